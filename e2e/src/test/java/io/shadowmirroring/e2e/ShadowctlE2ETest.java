package io.shadowmirroring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.e2e.ShadowctlProcess.Result;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's operator steps as shadowctl commands, run as real processes (bin/shadowctl on the built
 * jar) against a real server on the bundled example: enable, set the percentage, monitor, promote,
 * roll back, clean up. Each change must land in the example's YAML file.
 */
class ShadowctlE2ETest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path work;

  private Result shadowctl(int adminPort, String... args) throws Exception {
    return ShadowctlProcess.run(work, adminPort, args);
  }

  @Test
  @DisplayName("enable, set the percentage, monitor, promote, roll back and clean up with shadowctl")
  void seedStepsWithShadowctl() throws Exception {
    Path example = Files.createDirectories(work.resolve("shadow-demo"));
    for (String file : List.of("services.yaml", "endpointslices.yaml")) {
      Files.copy(ROOT.resolve("examples/shadow-demo").resolve(file), example.resolve(file));
    }
    Path services = example.resolve("services.yaml");
    SnapshotConstraints constraints = new SnapshotConstraints();
    try (ShadowMirroringServer server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(),
             new DirectorySource(example, Duration.ofMillis(50)));
         AdsTestClient envoy = new AdsTestClient(
             io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort())
                 .usePlaintext().build(), AdsTestClient.envoyNode("front-proxy-1")).start()) {
      constraints.watch(server);
      int admin = server.adminPort();
      envoy.await("routes", r -> r.getTypeUrl().equals(AdsTestClient.RDS), Duration.ofSeconds(20));

      Result delete = shadowctl(admin, "delete", "shadow-demo/app-service", "--wait");
      assertThat(delete.exitCode()).as(delete.err()).isZero();
      assertThat(Files.readString(services)).doesNotContain("shadow-mirroring.io/mirror-to");

      Result enable = shadowctl(admin, "set", "shadow-demo/app-service", "--to", "app-shadow-service", "--wait");
      assertThat(enable.exitCode()).as(enable.err()).isZero();
      assertThat(enable.out()).startsWith("shadow-demo/app-service: MIRRORING").contains("served");
      assertThat(Files.readString(services)).contains("shadow-mirroring.io/mirror-to: \"app-shadow-service\"");

      Result percent = shadowctl(admin, "set", "shadow-demo/app-service", "--to", "app-shadow-service",
          "--percent", "25", "--wait");
      assertThat(percent.exitCode()).as(percent.err()).isZero();
      assertThat(Files.readString(services)).contains("shadow-mirroring.io/mirror-percentage: \"25\"");

      Result mirrors = shadowctl(admin, "mirrors");
      assertThat(mirrors.exitCode()).isZero();
      assertThat(mirrors.out()).contains("app-service", "MIRRORING", "shadow-demo/app-shadow-service:80=25");

      Result proxies = shadowctl(admin, "proxies");
      assertThat(proxies.exitCode()).isZero();
      assertThat(proxies.out()).contains("front-proxy-1");

      Result promote = shadowctl(admin, "promote", "shadow-demo/app-service", "app-shadow-service", "--wait");
      assertThat(promote.exitCode()).as(promote.err()).isZero();
      assertThat(promote.out()).contains("PROMOTED");
      assertThat(Files.readString(services)).contains("shadow-mirroring.io/promote: \"app-shadow-service\"");

      Result rollback = shadowctl(admin, "rollback", "shadow-demo/app-service", "--wait");
      assertThat(rollback.exitCode()).as(rollback.err()).isZero();
      assertThat(Files.readString(services)).doesNotContain("shadow-mirroring.io/promote");

      Result invalid = shadowctl(admin, "set", "shadow-demo/app-service", "--to", "app-shadow-service",
          "--percent", "150");
      assertThat(invalid.exitCode()).isEqualTo(1);
      assertThat(invalid.err().strip()).isEqualTo("shadowctl: INVALID_ARGUMENT: "
          + "shadow-mirroring.io/mirror-percentage=\"150\": percentage must not exceed 100");

      Result cleanup = shadowctl(admin, "delete", "shadow-demo/app-service", "--wait");
      assertThat(cleanup.exitCode()).as(cleanup.err()).isZero();
      assertThat(Files.readString(services)).doesNotContain("shadow-mirroring.io/");
    }
    constraints.assertNoViolations();
  }
}
