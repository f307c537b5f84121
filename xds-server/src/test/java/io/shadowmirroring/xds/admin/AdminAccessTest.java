package io.shadowmirroring.xds.admin;

import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.xds.AdminSettings;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.FirstBuild;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens on the admin port: who may read, who may change, and where the port may listen. */
class AdminAccessTest {
  @TempDir Path directory;
  private ShadowMirroringServer server;
  private final SnapshotConstraints constraints = new SnapshotConstraints();
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    DirectoryServer.write(directory.resolve("app.yaml"), service("shadow-demo", "app-service", Map.of(), 80, "http")
        + "---\n" + service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"));
    Files.writeString(directory.resolve("admin.token"), "s3cret-admin\n");
    Files.writeString(directory.resolve("read.token"), "s3cret-read");
    ServerSettings settings = ServerSettings.loopbackForTests().withAdmin(new AdminSettings("127.0.0.1", 0,
        Optional.of(directory.resolve("admin.token")), Optional.of(directory.resolve("read.token"))));
    server = ShadowMirroringServer.start(settings, new DirectorySource(directory, Duration.ofMillis(30)));
    FirstBuild.await(server);
    constraints.watch(server);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    constraints.assertNoViolations();
  }

  private MirrorAdminGrpc.MirrorAdminBlockingStub stub(String token) {
    MirrorAdminGrpc.MirrorAdminBlockingStub stub = MirrorAdminGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS);
    return token == null ? stub : stub.withCallCredentials(new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(AdminAuthInterceptor.AUTHORIZATION, "Bearer " + token);
        applier.apply(headers);
      }
    });
  }

  private static SetMirrorRequest enable() {
    return SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
        .setService(ServiceName.newBuilder().setNamespace("shadow-demo").setName("app-service"))
        .addTargets("app-shadow-service")).build();
  }

  @Test
  @DisplayName("no token or a wrong token is UNAUTHENTICATED")
  void unauthenticated() {
    assertThatThrownBy(() -> stub(null).listMirrors(ListMirrorsRequest.getDefaultInstance()))
        .hasMessage("UNAUTHENTICATED: the admin API needs an 'authorization: Bearer <token>' header");
    assertThatThrownBy(() -> stub("guess").setMirror(enable()))
        .hasMessage("UNAUTHENTICATED: the bearer token is not valid");
  }

  @Test
  @DisplayName("the read-only token may read but gets PERMISSION_DENIED on a change, which is not made")
  void readOnly() throws Exception {
    assertThat(stub("s3cret-read").listMirrors(ListMirrorsRequest.getDefaultInstance()).getMirrorsCount()).isZero();
    assertThatThrownBy(() -> stub("s3cret-read").setMirror(enable()))
        .hasMessage("PERMISSION_DENIED: the read-only token cannot call SetMirror");
    assertThat(Files.readString(directory.resolve("app.yaml"))).doesNotContain("shadow-mirroring.io");
  }

  @Test
  @DisplayName("the admin token may change, and a rotated token file takes effect without a restart")
  void adminToken() throws Exception {
    assertThat(stub("s3cret-admin").setMirror(enable()).getConfigVersion()).isNotEmpty();

    Files.writeString(directory.resolve("admin.token"), "rotated");
    Files.setLastModifiedTime(directory.resolve("admin.token"),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertThatThrownBy(() -> stub("s3cret-admin").listMirrors(ListMirrorsRequest.getDefaultInstance()))
        .hasMessage("UNAUTHENTICATED: the bearer token is not valid");
    assertThat(stub("rotated").listMirrors(ListMirrorsRequest.getDefaultInstance())).isNotNull();
  }

  @Test
  @DisplayName("gRPC health and reflection on the admin port need no token, for probes and tooling")
  void healthIsOpen() {
    assertThat(io.grpc.health.v1.HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  @DisplayName("without a token file the admin API refuses to listen beyond loopback")
  void refusesOpenAdminPort() {
    ServerSettings open = ServerSettings.loopbackForTests().withAdmin(
        new AdminSettings("0.0.0.0", 0, Optional.empty(), Optional.empty()));
    assertThatThrownBy(() -> ShadowMirroringServer.start(open, new DirectorySource(directory, Duration.ofMillis(30))))
        .hasMessage("refusing to serve the admin API on 0.0.0.0 without --admin-token-file: anyone who can reach"
            + " it could change mirrors");
  }
}
