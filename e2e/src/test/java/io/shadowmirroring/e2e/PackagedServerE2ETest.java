package io.shadowmirroring.e2e;

import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.mirrorClusters;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.testing.AdsTestClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained jar as a real process, run the way the README says, on a copy of the bundled
 * example: it must become ready, serve the seed demo's mirror, follow an edit, and stop on SIGTERM.
 */
class PackagedServerE2ETest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path JAR = ROOT.resolve("xds-server/target/xds-server.jar");
  private static final Path EXAMPLE = ROOT.resolve("examples/shadow-demo");

  @TempDir Path work;

  @Test
  @DisplayName("java -jar xds-server.jar --source DIR serves the example's mirror and follows edits")
  void servesTheExample() throws Exception {
    Path example = work.resolve("shadow-demo");
    copy(EXAMPLE, example);
    int xdsPort = freePort();
    int metricsPort = freePort();
    Process server = new ProcessBuilder(javaBinary(), "-jar", JAR.toString(), "--source", example.toString(),
        "--xds-address", "127.0.0.1", "--xds-port", Integer.toString(xdsPort),
        "--metrics-address", "127.0.0.1", "--metrics-port", Integer.toString(metricsPort))
        .redirectErrorStream(true)
        .redirectOutput(work.resolve("server.log").toFile())
        .start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();
    try {
      awaitReady(metricsPort, server);
      try (AdsTestClient envoy = new AdsTestClient(channel, AdsTestClient.envoyNode("e2e-envoy")).start()) {
        envoy.await("routes mirroring app-service to app-shadow-service",
            r -> r.getTypeUrl().equals(RDS)
                && mirrorClusters(r).equals(
                    List.of("mirror/shadow-demo/app-service:80/shadow-demo/app-shadow-service:80")),
            Duration.ofSeconds(20));

        Path services = example.resolve("services.yaml");
        Files.writeString(services, Files.readString(services)
            .replace("shadow-mirroring.io/mirror-percentage: \"100\"", "shadow-mirroring.io/mirror-percentage: \"25\""));

        envoy.await("the mirror at 25%", r -> r.getTypeUrl().equals(RDS) && mirrorNumerators(r).contains(250000),
            Duration.ofSeconds(10));
      }
    } finally {
      channel.shutdownNow();
      server.destroy();
    }
    assertThat(server.waitFor(15, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
  }

  private static List<Integer> mirrorNumerators(io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse rds) {
    return AdsTestClient.unpack(rds, io.envoyproxy.envoy.config.route.v3.RouteConfiguration.class).stream()
        .flatMap(c -> c.getVirtualHostsList().stream())
        .flatMap(v -> v.getRoutesList().stream())
        .flatMap(r -> r.getRoute().getRequestMirrorPoliciesList().stream())
        .map(m -> m.getRuntimeFraction().getDefaultValue().getNumerator())
        .toList();
  }

  private static void awaitReady(int metricsPort, Process server) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 300; i++) {
      if (!server.isAlive()) {
        throw new AssertionError("the server exited with " + server.exitValue());
      }
      try {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + metricsPort + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYetListening) {
        // The JVM is still starting.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server did not become ready within 30 s");
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** A kubeconfig for a mock API server, with a token, as the server jar reads it with --kubeconfig. */
  static Path kubeconfig(Path directory, String serverUrl) throws IOException {
    return Files.writeString(directory.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s"}}]
        users: [{name: mock, user: {token: mock}}]
        contexts: [{name: mock, context: {cluster: mock, user: mock}}]
        current-context: mock
        """.formatted(serverUrl));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
