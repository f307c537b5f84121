package io.shadowmirroring.xds.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.shadowmirroring.api.admin.v1.DeleteMirrorRequest;
import io.shadowmirroring.api.admin.v1.GetConfigDumpRequest;
import io.shadowmirroring.api.admin.v1.GetMirrorRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.ListProxiesRequest;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.MirrorEvent;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.MirrorTarget;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import io.shadowmirroring.api.admin.v1.Proxy;
import io.shadowmirroring.api.admin.v1.ResourceStatus;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Every admin RPC against the directory source, over the real admin port and in-process. */
class MirrorAdminDirectoryTest {
  private static final ServiceName APP = ServiceName.newBuilder().setNamespace("shadow-demo").setName("app-service").build();
  private static final String DEMO = """
      # The seed's demo. This comment must survive edits made through the admin API.
      apiVersion: v1
      kind: Service
      metadata:
        name: app-service
        namespace: shadow-demo
        annotations:
          team: payments   # not ours: must be kept
          shadow-mirroring.io/mirror-to: app-shadow-service
      spec:
        ports:
          - name: http
            port: 80
            targetPort: http
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: app-shadow-service
        namespace: shadow-demo
      spec:
        ports:
          - name: http
            port: 80
            targetPort: http
      ---
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: unrelated
      data:
        key: value
      """;

  @TempDir Path directory;
  private Path file;
  private DirectoryServer server;
  private Transport.Connection connection;
  private MirrorAdminGrpc.MirrorAdminBlockingStub admin;

  @BeforeEach
  void writeDemo() throws Exception {
    file = directory.resolve("demo.yaml");
    Files.writeString(file, DEMO);
  }

  private void start(Transport transport) throws Exception {
    server = new DirectoryServer(directory);
    connection = transport.connect(server.server());
    admin = MirrorAdminGrpc.newBlockingStub(connection.channel()).withDeadlineAfter(20, TimeUnit.SECONDS);
    io.shadowmirroring.xds.testing.FirstBuild.await(server.server());
  }

  @AfterEach
  void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static SetMirrorRequest set(String percentage) {
    return SetMirrorRequest.newBuilder().setWait(true).setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("app-shadow-service").setPercentage(percentage)).build();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("ListMirrors and GetMirror show the effective mirror with its state and config version")
  void readsMirrors(Transport transport) throws Exception {
    start(transport);

    Mirror mirror = admin.getMirror(GetMirrorRequest.newBuilder().setService(APP).build());

    assertThat(mirror.getState()).isEqualTo(Mirror.State.MIRRORING);
    assertThat(mirror.getTargetsList()).containsExactly(MirrorTarget.newBuilder().setNamespace("shadow-demo")
        .setService("app-shadow-service").setPort(80).setPercentage(100).build());
    assertThat(mirror.getMethodsList()).containsExactly("GET", "HEAD", "OPTIONS");
    assertThat(mirror.getNoticesList()).as("an HTTP/1 port: nothing to notice").isEmpty();
    assertThat(mirror.getConfigVersion()).isEqualTo(server.server().versions().current()).isNotEmpty();
    // The comparison may give its first verdicts between the two calls: the rest must be the same.
    assertThat(admin.listMirrors(ListMirrorsRequest.getDefaultInstance()).getMirrorsList())
        .extracting(m -> m.toBuilder().clearVerdicts().build())
        .containsExactly(mirror.toBuilder().clearVerdicts().build());
    assertThat(admin.listMirrors(ListMirrorsRequest.newBuilder().setNamespace("other").build()).getMirrorsCount())
        .isZero();
    assertThatThrownBy(() -> admin.getMirror(GetMirrorRequest.newBuilder()
        .setService(APP.toBuilder().setName("app-shadow-service")).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessage("NOT_FOUND: service shadow-demo/app-shadow-service has no mirror");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("a mirrored gRPC port under the safe methods comes with a notice, which adding POST clears")
  void grpcNotice(Transport transport) throws Exception {
    Files.writeString(directory.resolve("rpc.yaml"), """
        apiVersion: v1
        kind: Service
        metadata:
          name: orders
          namespace: rpc
          annotations:
            shadow-mirroring.io/mirror-to: orders-v2
        spec:
          ports:
            - name: api
              port: 50051
              appProtocol: grpc
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: orders-v2
          namespace: rpc
        spec:
          ports:
            - name: api
              port: 50051
              appProtocol: grpc
        """);
    start(transport);
    ServiceName orders = ServiceName.newBuilder().setNamespace("rpc").setName("orders").build();

    Mirror mirror = admin.getMirror(GetMirrorRequest.newBuilder().setService(orders).build());
    MirrorChange withPost = admin.setMirror(SetMirrorRequest.newBuilder().setWait(true).setSpec(MirrorSpec.newBuilder()
        .setService(orders).addTargets("orders-v2").addMethods("GET").addMethods("POST")).build());

    assertThat(mirror.getState()).isEqualTo(Mirror.State.MIRRORING);
    assertThat(mirror.getNoticesList()).containsExactly("port 50051 speaks gRPC: every call is a POST, which"
        + " mirror-methods (GET,HEAD,OPTIONS) does not copy; add POST to mirror gRPC");
    assertThat(withPost.getMirror().getMethodsList()).containsExactly("GET", "POST");
    assertThat(withPost.getMirror().getNoticesList()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("SetMirror writes the file, keeps comments and other documents, is served, and survives a restart")
  void setMirrorPersists(Transport transport) throws Exception {
    start(transport);

    MirrorChange change = admin.setMirror(set("25"));

    assertThat(change.getServed()).isTrue();
    assertThat(change.getMirror().getTargets(0).getPercentage()).isEqualTo(25.0);
    assertThat(change.getConfigVersion()).isEqualTo(server.server().versions().current());
    String written = Files.readString(file);
    assertThat(written).contains("# The seed's demo. This comment must survive edits made through the admin API.",
        "team: payments", "# not ours: must be kept", "shadow-mirroring.io/mirror-percentage: \"25\"",
        "kind: ConfigMap", "key: value");

    connection.close();
    server.close();
    start(transport);
    assertThat(admin.getMirror(GetMirrorRequest.newBuilder().setService(APP).build()).getTargets(0).getPercentage())
        .isEqualTo(25.0);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("without wait, SetMirror returns the version the change will be served in")
  void predictsTheVersion(Transport transport) throws Exception {
    start(transport);

    MirrorChange change = admin.setMirror(set("50").toBuilder().setWait(false).build());

    assertThat(change.getServed()).isFalse();
    for (int i = 0; i < 300 && !server.server().versions().current().equals(change.getConfigVersion()); i++) {
      AdsTestClient.sleep(10);
    }
    assertThat(server.server().versions().current()).isEqualTo(change.getConfigVersion());
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("an invalid SetMirror is INVALID_ARGUMENT with the parser's exact reason and changes nothing")
  void invalidSetMirror(Transport transport) throws Exception {
    start(transport);
    String before = Files.readString(file);
    String versionBefore = server.server().versions().current();

    assertThatThrownBy(() -> admin.setMirror(set("150")))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("shadow-mirroring.io/mirror-percentage=\"150\": percentage must not exceed 100");
        });
    assertThatThrownBy(() -> admin.setMirror(SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("nope")).build()))
        .hasMessage("INVALID_ARGUMENT: shadow-mirroring.io/mirror-to=\"nope\": "
            + "target Service shadow-demo/nope does not exist");
    assertThatThrownBy(() -> admin.promote(PromoteRequest.newBuilder().setService(APP).setTarget("other").build()))
        .hasMessage("INVALID_ARGUMENT: shadow-mirroring.io/promote=\"other\": promote must name one of the "
            + "targets in shadow-mirroring.io/mirror-to (shadow-demo/app-shadow-service)");
    assertThatThrownBy(() -> admin.setMirror(SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
        .setService(ServiceName.newBuilder().setNamespace("shadow-demo").setName("ghost")).addTargets("x")).build()))
        .hasMessage("NOT_FOUND: service shadow-demo/ghost not found");

    AdsTestClient.sleep(200);
    assertThat(Files.readString(file)).isEqualTo(before);
    assertThat(server.server().versions().current()).isEqualTo(versionBefore);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("Promote and Rollback set and clear promote; DeleteMirror removes every mirror annotation")
  void promoteRollbackDelete(Transport transport) throws Exception {
    start(transport);

    MirrorChange promoted = admin.promote(PromoteRequest.newBuilder().setService(APP)
        .setTarget("app-shadow-service").setWait(true).build());
    assertThat(promoted.getMirror().getState()).isEqualTo(Mirror.State.PROMOTED);
    assertThat(promoted.getMirror().getPromoted()).isEqualTo("shadow-demo/app-shadow-service");
    assertThat(Files.readString(file)).contains("shadow-mirroring.io/promote: \"app-shadow-service\"");

    MirrorChange rolledBack = admin.rollback(RollbackRequest.newBuilder().setService(APP).setWait(true).build());
    assertThat(rolledBack.getMirror().getState()).isEqualTo(Mirror.State.MIRRORING);
    assertThat(Files.readString(file)).doesNotContain("shadow-mirroring.io/promote");

    admin.deleteMirror(DeleteMirrorRequest.newBuilder().setService(APP).setWait(true).build());
    assertThat(Files.readString(file)).doesNotContain("shadow-mirroring.io/").contains("team: payments");
    assertThatThrownBy(() -> admin.getMirror(GetMirrorRequest.newBuilder().setService(APP).build()))
        .hasMessage("NOT_FOUND: service shadow-demo/app-service has no mirror");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("expose is not part of the mirror: setting and deleting the mirror keep it")
  void setAndDeleteKeepExpose(Transport transport) throws Exception {
    Files.writeString(file, DEMO.replaceFirst("( *)(team: payments.*)", "$1$2\n$1shadow-mirroring.io/expose: \"true\""));
    start(transport);

    admin.setMirror(set("25"));
    assertThat(Files.readString(file)).contains("shadow-mirroring.io/expose: \"true\"")
        .contains("shadow-mirroring.io/mirror-percentage: \"25\"");
    admin.deleteMirror(DeleteMirrorRequest.newBuilder().setService(APP).setWait(true).build());
    assertThat(Files.readString(file)).contains("shadow-mirroring.io/expose: \"true\"")
        .doesNotContain("shadow-mirroring.io/mirror-");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("WatchMirrors streams the current mirrors, then every change")
  void watchMirrors(Transport transport) throws Exception {
    start(transport);
    Iterator<MirrorEvent> events = MirrorAdminGrpc.newBlockingStub(connection.channel())
        .withDeadlineAfter(20, TimeUnit.SECONDS).watchMirrors(WatchMirrorsRequest.getDefaultInstance());

    MirrorEvent initial = events.next();
    assertThat(initial.getKind()).isEqualTo(MirrorEvent.Kind.UPSERTED);
    assertThat(initial.getMirror().getTargets(0).getPercentage()).isEqualTo(100.0);

    admin.setMirror(set("10").toBuilder().setWait(false).build());
    // Other fields of the mirror (its status) may change first, in events of their own, still at 100 %.
    MirrorEvent changed = events.next();
    while (changed.getKind() == MirrorEvent.Kind.UPSERTED && changed.getMirror().getTargets(0).getPercentage() == 100.0) {
      changed = events.next();
    }
    assertThat(changed.getKind()).isEqualTo(MirrorEvent.Kind.UPSERTED);
    assertThat(changed.getMirror().getTargets(0).getPercentage()).isEqualTo(10.0);

    admin.deleteMirror(DeleteMirrorRequest.newBuilder().setService(APP).build());
    assertThat(events.next().getKind()).isEqualTo(MirrorEvent.Kind.DELETED);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("ListProxies shows each proxy's ACKed versions and its last NACK with the error detail; config dump and CSDS answer for it")
  void proxiesAckNackDumpAndCsds(Transport transport) throws Exception {
    start(transport);
    try (AdsTestClient envoy = new AdsTestClient(server.channel(), AdsTestClient.envoyNode("envoy-7"))) {
      envoy.rejectWhen(r -> r.getTypeUrl().equals(AdsTestClient.RDS)
          ? Optional.of("route config rejected by test") : Optional.empty());
      envoy.start();
      envoy.await("routes", r -> r.getTypeUrl().equals(AdsTestClient.RDS), Duration.ofSeconds(10));
      String clusters = envoy.latest(AdsTestClient.CDS, Duration.ofSeconds(5)).getVersionInfo();
      awaitProxyNack();

      Proxy proxy = admin.listProxies(ListProxiesRequest.getDefaultInstance()).getProxiesList().stream()
          .filter(p -> p.getNodeId().equals("envoy-7")).findFirst().orElseThrow();
      assertThat(proxy.getUserAgent()).isEqualTo("envoy");
      assertThat(proxy.getPeerAddress()).startsWith("127.0.0.1:");
      ResourceStatus cds = resource(proxy, AdsTestClient.CDS);
      assertThat(cds.getVersionAcked()).isEqualTo(clusters);
      assertThat(cds.getLastNackError()).isEmpty();
      ResourceStatus rds = resource(proxy, AdsTestClient.RDS);
      assertThat(rds.getVersionAcked()).isEmpty();
      assertThat(rds.getLastNackVersion()).isEqualTo(rds.getVersionSent()).isNotEmpty();
      assertThat(rds.getLastNackError()).isEqualTo("route config rejected by test");
      assertThat(rds.hasLastNackTime()).isTrue();

      String dump = admin.getConfigDump(GetConfigDumpRequest.newBuilder().setNodeId("envoy-7").build()).getJson();
      assertThat(dump).contains("type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
          "type.googleapis.com/envoy.admin.v3.RoutesConfigDump", "\"shadow-demo/app-shadow-service:80\"",
          "request_mirror_policies");
      assertThatThrownBy(() -> admin.getConfigDump(GetConfigDumpRequest.newBuilder().setNodeId("nobody").build()))
          .hasMessage("NOT_FOUND: no connected proxy has node id \"nobody\"");

      ClientStatusResponse csds = ClientStatusDiscoveryServiceGrpc.newBlockingStub(server.channel())
          .fetchClientStatus(ClientStatusRequest.newBuilder().setNode(Node.newBuilder().setId("envoy-7")).build());
      ClientConfig config = csds.getConfig(0);
      assertThat(config.getNode().getId()).isEqualTo("envoy-7");
      assertThat(config.getGenericXdsConfigsList()).anySatisfy(c -> {
        assertThat(c.getTypeUrl()).isEqualTo(AdsTestClient.CDS);
        assertThat(c.getClientStatus()).isEqualTo(ClientResourceStatus.ACKED);
      });
      assertThat(config.getGenericXdsConfigsList()).anySatisfy(c -> {
        assertThat(c.getTypeUrl()).isEqualTo(AdsTestClient.RDS);
        assertThat(c.getClientStatus()).isEqualTo(ClientResourceStatus.NACKED);
        assertThat(c.getErrorState().getDetails()).isEqualTo("route config rejected by test");
      });
      assertThat(csds.getConfigCount()).as("only the node asked for").isEqualTo(1);
    }
  }

  private void awaitProxyNack() {
    for (int i = 0; i < 300; i++) {
      boolean nacked = server.server().proxies().streams().stream()
          .anyMatch(s -> s.types().containsKey(AdsTestClient.RDS) && s.types().get(AdsTestClient.RDS).lastNack().isPresent()
              && s.types().containsKey(AdsTestClient.CDS) && !s.types().get(AdsTestClient.CDS).ackedVersion().isEmpty());
      if (nacked) {
        return;
      }
      AdsTestClient.sleep(10);
    }
  }

  private static ResourceStatus resource(Proxy proxy, String typeUrl) {
    return proxy.getResourcesList().stream().filter(r -> r.getTypeUrl().equals(typeUrl)).findFirst().orElseThrow();
  }
}
