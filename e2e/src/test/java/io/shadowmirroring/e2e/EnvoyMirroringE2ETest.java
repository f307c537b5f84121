package io.shadowmirroring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.DirectorySource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.Testcontainers;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * Real Envoy, configured only by this server over ADS, in front of two echo backends. Written against
 * Envoy's documented behaviour: the mirror cluster keeps full upstream stats, mirrored requests are
 * fire-and-forget, and requests outside the mirrored methods are not copied. Needs Docker.
 */
class EnvoyMirroringE2ETest {
  private static final String ECHO_IMAGE = "hashicorp/http-echo:1.0";
  /** Copies count under the mirror cluster's alt_stat_name, and only there. */
  private static final String MIRROR_STAT =
      "cluster.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80.upstream_rq_total";
  /** The shadow's own cluster, which serves requests sent to the shadow directly. */
  private static final String SHADOW_STAT = "cluster.shadow-demo_app-shadow-service_80.upstream_rq_total";
  /** Production measured on the mirrored route: the same class of requests as the copies. */
  private static final String ROUTE_STAT =
      "vhost.shadow-demo_app-service_80.route.shadow-demo_app-service_80_mirrored.upstream_rq_total";

  @TempDir Path directory;

  @BeforeEach
  void needsDocker() {
    DockerEngine.assumeAvailable();
  }

  @Test
  @DisplayName("Envoy serves production, copies GETs (not POSTs) to the shadow, and switches on promote")
  void mirrorsThroughRealEnvoy() throws Exception {
    try (Network network = Network.newNetwork();
         GenericContainer<?> production = echo(network, "production v1.0.0");
         GenericContainer<?> shadow = echo(network, "shadow v2.0.0")) {
      production.start();
      shadow.start();
      writeServices(RealEnvoy.ip(production, network), RealEnvoy.ip(shadow, network), false);

      ServerSettings settings = new ServerSettings("127.0.0.1", 0, "127.0.0.1", 0, 10000,
          Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofSeconds(3));
      try (ShadowMirroringServer server = ShadowMirroringServer.start(settings,
               new DirectorySource(directory, Duration.ofMillis(100)))) {
        Testcontainers.exposeHostPorts(server.xdsPort());
        try (GenericContainer<?> envoy = RealEnvoy.container(network, server.xdsPort())) {
          envoy.start();
          String host = envoy.getHost();
          int listener = envoy.getMappedPort(10000);
          int admin = envoy.getMappedPort(9901);

          String body = awaitBody(host, listener, "GET", "production v1.0.0");
          assertThat(body).contains("production v1.0.0");
          for (int i = 0; i < 4; i++) {
            assertThat(request(host, listener, "GET")).contains("production v1.0.0");
          }
          long mirrored = awaitStat(host, admin, MIRROR_STAT, 5);
          assertThat(mirrored).isGreaterThanOrEqualTo(5);
          long onMirroredRoute = stat(host, admin, ROUTE_STAT);
          assertThat(onMirroredRoute).as("production's requests on the mirrored route").isGreaterThanOrEqualTo(mirrored);

          for (int i = 0; i < 3; i++) {
            assertThat(request(host, listener, "POST")).contains("production v1.0.0");
          }
          Thread.sleep(1000);
          assertThat(stat(host, admin, MIRROR_STAT)).as("POSTs are not mirrored by default").isEqualTo(mirrored);
          assertThat(stat(host, admin, ROUTE_STAT)).as("POSTs take the live route").isEqualTo(onMirroredRoute);
          assertThat(stat(host, admin, SHADOW_STAT)).as("copies do not count on the shadow's own cluster")
              .isZero();

          writeServices(RealEnvoy.ip(production, network), RealEnvoy.ip(shadow, network), true);
          assertThat(awaitBody(host, listener, "GET", "shadow v2.0.0")).contains("shadow v2.0.0");
        }
      }
    }
  }

  private void writeServices(String productionIp, String shadowIp, boolean promoted) throws IOException {
    String promote = promoted ? "    shadow-mirroring.io/promote: app-shadow-service\n" : "";
    Files.writeString(directory.resolve("demo.yaml"), DemoServices.yaml(promote, 5678, productionIp, shadowIp));
  }

  private static GenericContainer<?> echo(Network network, String text) {
    return new GenericContainer<>(ECHO_IMAGE)
        .withNetwork(network)
        .withCommand("-text=" + text, "-listen=:5678")
        .withExposedPorts(5678)
        .waitingFor(Wait.forHttp("/").forPort(5678));
  }

  private static String awaitBody(String host, int port, String method, String expected) throws Exception {
    String last = "";
    for (int i = 0; i < 100; i++) {
      try {
        last = request(host, port, method);
        if (last.contains(expected)) {
          return last;
        }
      } catch (IOException notYet) {
        last = notYet.getMessage();
      }
      Thread.sleep(200);
    }
    return last;
  }

  private static long awaitStat(String host, int admin, String name, long atLeast) throws Exception {
    long value = 0;
    for (int i = 0; i < 100 && value < atLeast; i++) {
      value = stat(host, admin, name);
      Thread.sleep(100);
    }
    return value;
  }

  // Stat names here are [a-z0-9_.-] only, so the name works as Envoy's filter regex without escaping.
  private static long stat(String host, int admin, String name) throws IOException {
    String stats = http(host, admin, "GET", "/stats?filter=" + name, "localhost");
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": (\\d+)$").matcher(stats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static String request(String host, int port, String method) throws IOException {
    return http(host, port, method, "/", "app-service.shadow-demo");
  }

  // A raw HTTP/1.1 exchange: java.net.http refuses to set the Host header that Envoy routes on.
  private static String http(String host, int port, String method, String path, String hostHeader) throws IOException {
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write((method + " " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nContent-Length: 0\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      StringBuilder response = new StringBuilder();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          response.append(line).append('\n');
        }
      }
      return response.toString();
    }
  }
}
