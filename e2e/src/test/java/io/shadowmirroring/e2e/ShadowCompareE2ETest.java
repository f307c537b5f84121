package io.shadowmirroring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.DirectorySource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.Testcontainers;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * A broken v2 turns FAILING in {@code shadowctl compare}: the demo app as production (no errors) and as a
 * shadow that answers half of its requests with a 500 ({@code ERROR_RATE=0.5}), real Envoy configured over
 * ADS and flushing its stats to the server's metrics service every 5 s, live traffic, then shadowctl as a
 * process. Needs Docker; written against Envoy's documented behaviour:
 * <ul>
 *   <li>a mirrored request is a real upstream request on the shadow's cluster, so its responses count in
 *       that cluster's {@code upstream_rq_<code>} stats (envoy/source/common/router/router.cc, shadow
 *       requests go through the same upstream request path and cluster stats);
 *   <li>{@code envoy.stat_sinks.metrics_service} streams every stat at each {@code stats_flush_interval}
 *       over gRPC to the cluster named in its {@code grpc_service}
 *       (api/envoy/config/metrics/v3/metrics_service.proto).
 * </ul>
 */
class ShadowCompareE2ETest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  /** More than the analysis' default minimum of 200 requests per side in its window. */
  private static final int REQUESTS = 400;

  @TempDir Path directory;
  @TempDir Path work;

  @BeforeEach
  void needsDocker() {
    DockerEngine.assumeAvailable();
  }

  @Test
  @DisplayName("a v2 that fails half of its requests is FAILING in shadowctl compare, production stays healthy")
  void brokenShadowFails() throws Exception {
    ImageFromDockerfile demoApp = new ImageFromDockerfile("shadow-mirroring/demo-app-e2e", true)
        .withFileFromPath(".", ROOT.resolve("demo-app"));
    try (Network network = Network.newNetwork();
         GenericContainer<?> production = app(demoApp, network, "1.0.0", "0");
         GenericContainer<?> shadow = app(demoApp, network, "2.0.0", "0.5")) {
      production.start();
      shadow.start();
      writeServices(RealEnvoy.ip(production, network), RealEnvoy.ip(shadow, network));

      ServerSettings settings = ServerSettings.loopbackForTests();
      try (ShadowMirroringServer server = ShadowMirroringServer.start(settings,
               new DirectorySource(directory, Duration.ofMillis(100)))) {
        Testcontainers.exposeHostPorts(server.xdsPort());
        try (GenericContainer<?> envoy = RealEnvoy.withMetricsSink(network, server.xdsPort())) {
          envoy.start();
          String host = envoy.getHost();
          int listener = envoy.getMappedPort(10000);
          awaitProduction(host, listener);

          for (int i = 0; i < REQUESTS; i++) {
            assertThat(get(host, listener)).as("users only see production's answers").contains("200 OK");
          }

          // Stats arrive every 5 s; the verdict follows once both sides have enough requests.
          String table = "";
          for (int i = 0; i < 60 && !table.contains("  FAILING since "); i++) {
            Thread.sleep(1000);
            table = shadowctl(server.adminPort(), "compare", "shadow-demo/app-service");
          }
          assertThat(table).contains(
              "shadow-demo/app-service:80 -> shadow-demo/app-shadow-service:80  FAILING since ");
          assertThat(table.lines()).anyMatch(l -> l.matches("METRIC +PRODUCTION +SHADOW +DELTA +THRESHOLD +OK"));
          assertThat(table.lines()).as("a failed check").anyMatch(l -> l.endsWith("  NO"));
          assertThat(shadowctl(server.adminPort(), "mirrors")).contains("FAILING");
        }
      }
    }
  }

  /** shadowctl's stdout and stderr together, as a user reads them. */
  private String shadowctl(int adminPort, String... args) throws Exception {
    ShadowctlProcess.Result result = ShadowctlProcess.run(work, adminPort, args);
    return result.out() + result.err();
  }

  private void writeServices(String productionIp, String shadowIp) throws IOException {
    Files.writeString(directory.resolve("demo.yaml"), DemoServices.yaml("", 8080, productionIp, shadowIp));
  }

  private static GenericContainer<?> app(ImageFromDockerfile image, Network network, String version,
      String errorRate) {
    return new GenericContainer<>(image)
        .withNetwork(network)
        .withEnv("APP_VERSION", version)
        .withEnv("ERROR_RATE", errorRate)
        .withExposedPorts(8080)
        .waitingFor(Wait.forHttp("/version").forPort(8080));
  }

  private static void awaitProduction(String host, int port) throws Exception {
    String last = "";
    for (int i = 0; i < 100 && !last.contains("1.0.0"); i++) {
      try {
        last = get(host, port);
      } catch (IOException notYet) {
        last = notYet.getMessage();
      }
      Thread.sleep(200);
    }
    assertThat(last).as("Envoy routes to production").contains("1.0.0");
  }

  // A raw HTTP/1.1 exchange: java.net.http refuses to set the Host header that Envoy routes on.
  private static String get(String host, int port) throws IOException {
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET / HTTP/1.1\r\nHost: app-service.shadow-demo\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
