package io.shadowmirroring.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/** Skips a test, with one clear line, where no Docker engine runs (as on the development machines). */
final class DockerEngine {
  private DockerEngine() {}

  static void assumeAvailable() {
    String dockerHost = System.getenv("DOCKER_HOST");
    boolean configured = (dockerHost != null && !dockerHost.isBlank()) || Files.exists(Path.of("/var/run/docker.sock"));
    // Asking Testcontainers only when something is configured keeps its multi-line probe out of the log.
    boolean available = configured && DockerClientFactory.instance().isDockerAvailable();
    String reason = "no Docker engine here: skipping the real-Envoy test (it runs where Docker does)";
    if (!available) {
      System.err.println("SKIPPED " + reason);
    }
    Assumptions.assumeTrue(available, reason);
  }
}
