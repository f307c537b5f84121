package io.shadowmirroring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.shadowmirroring.xds.testing.HeldListApiServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user does after every restart or rollout: start the server, run shadowctl at once. The
 * server jar runs as a process on a mock API server that holds back its list of Services, and
 * bin/shadowctl is started while the server is not synced: it must wait, then print the Service,
 * never an empty list.
 */
class NotReadyShadowctlE2ETest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path JAR = ROOT.resolve("xds-server/target/xds-server.jar");
  private static final Path LAUNCHER = ROOT.resolve("shadowctl/bin/shadowctl");

  @TempDir Path work;

  @Test
  @DisplayName("shadowctl mirrors started with the server waits for its first sync and prints the Service")
  void shadowctlStartedWithTheServerPrintsTheService() throws Exception {
    try (HeldListApiServer apiServer = new HeldListApiServer(); KubernetesClient kubectl = apiServer.createClient()) {
      kubectl.resource(service("app-service", Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"))).create();
      kubectl.resource(service("app-shadow-service", Map.of())).create();
      Path kubeconfig = PackagedServerE2ETest.kubeconfig(work, apiServer.url());
      int adminPort = PackagedServerE2ETest.freePort();
      ProcessBuilder serverBuilder = new ProcessBuilder(PackagedServerE2ETest.javaBinary(), "-jar", JAR.toString(),
          "--source", "kubernetes",
          "--xds-address", "127.0.0.1", "--xds-port", Integer.toString(PackagedServerE2ETest.freePort()),
          "--metrics-address", "127.0.0.1", "--metrics-port", Integer.toString(PackagedServerE2ETest.freePort()),
          "--admin-port", Integer.toString(adminPort))
          .redirectErrorStream(true)
          .redirectOutput(work.resolve("server.log").toFile());
      serverBuilder.environment().put("KUBECONFIG", kubeconfig.toString());
      // The held list must not time out on the server's side while shadowctl's JVM starts.
      serverBuilder.environment().put("KUBERNETES_REQUEST_TIMEOUT", "120000");
      Process server = serverBuilder.start();
      Process shadowctl = null;
      try {
        // The admin port opens before the list is asked for: from here on, shadowctl reaches an unsynced server.
        assertThat(apiServer.awaitListAsked(60, TimeUnit.SECONDS)).as("the server asked for the Services; log:\n%s",
            log("server.log")).isTrue();
        ProcessBuilder shadowctlBuilder = new ProcessBuilder("bash", LAUNCHER.toString(),
            "--admin", "127.0.0.1:" + adminPort, "-o", "json", "mirrors")
            .redirectOutput(work.resolve("out.txt").toFile())
            .redirectError(work.resolve("err.txt").toFile());
        shadowctlBuilder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        shadowctlBuilder.environment().remove("SHADOWCTL_ADMIN");
        shadowctl = shadowctlBuilder.start();
        for (int i = 0; i < 600 && shadowctl.isAlive() && !log("err.txt").contains("waiting up to"); i++) {
          Thread.sleep(100);
        }
        assertThat(log("err.txt")).as("shadowctl says what it waits for (out: %s)", log("out.txt"))
            .isEqualTo("shadowctl: waiting up to 1m for the admin API at 127.0.0.1:" + adminPort
                + ": not ready: the source has not synced yet\n");

        apiServer.release();

        assertThat(shadowctl.waitFor(60, TimeUnit.SECONDS)).as("shadowctl finishes").isTrue();
        assertThat(shadowctl.exitValue()).as(log("err.txt")).isZero();
        assertThat(log("out.txt")).as("the Service, not an empty list")
            .contains("\"name\": \"app-service\"", "\"state\": \"MIRRORING\"", "\"service\": \"app-shadow-service\"");
      } finally {
        apiServer.release();
        if (shadowctl != null) {
          shadowctl.destroyForcibly();
        }
        server.destroy();
        server.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  private String log(String name) throws java.io.IOException {
    Path file = work.resolve(name);
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }

  private static Service service(String name, Map<String, String> annotations) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace("shadow-demo").withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withNewTargetPort("http").endPort().endSpec()
        .build();
  }
}
