package io.shadowmirroring.shadowctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/shadowctl as a real process on the packaged jar (run by failsafe, after `package`): the
 * launcher finds the jar, the shaded jar has everything grpc needs, and the output and exit codes
 * are the ones the in-JVM golden tests check.
 */
class LauncherIT {
  private static final Path LAUNCHER = Path.of("bin/shadowctl").toAbsolutePath();
  private static final Path JAR = Path.of("target/shadowctl.jar").toAbsolutePath();

  @TempDir static Path tmp;

  private static TestServer server;

  record Run(int exitCode, String out, String err) {}

  @BeforeAll
  static void start() {
    assumeTrue(Files.isRegularFile(JAR),
        "target/shadowctl.jar is absent: run `mvn verify` (or `package`) in shadowctl first");
    server = TestServer.plaintext();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void helpIsTheSameAsInTheGoldenFile() throws Exception {
    Run run = shadowctl(Map.of(), "--help");

    assertThat(run.err()).isEmpty();
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo(Golden.read("help", "out"));
  }

  @Test
  void versionComesFromTheJarsManifest() throws Exception {
    Run run = shadowctl(Map.of(), "--version");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).matches("shadowctl \\d+\\.\\d+\\.\\d+\\S*\n");
  }

  @Test
  void listsMirrorsFromARealServer() throws Exception {
    Run run = shadowctl(Map.of(), "--admin", server.address(), "mirrors");

    assertThat(run.err()).isEqualTo(Golden.read("mirrors", "err"));
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo(Golden.read("mirrors", "out"));
  }

  @Test
  void serverErrorsAreOneLineAndExitOne() throws Exception {
    Run run = shadowctl(Map.of(), "--admin", server.address(),
        "set", "shadow-demo/app-service", "--to", "app-shadow-service", "--percent", "150");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo(Golden.read("set-percent-too-high", "err"));
  }

  @Test
  void anUnreachableServerIsOneLineAndExitOne() throws Exception {
    String closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = "127.0.0.1:" + socket.getLocalPort();
    }

    Run run = shadowctl(Map.of("SHADOWCTL_ADMIN", closed), "proxies");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("shadowctl: cannot reach the admin API at " + closed + ": Connection refused\n");
  }

  @Test
  void grpcsOwnLoggingAddsNoStackTrace() throws Exception {
    // grpc logs a failed name resolution, with its stack trace, through java.util.logging.
    Run run = shadowctl(Map.of(), "--admin", "nohost.invalid:18001", "--timeout", "20s", "mirrors");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("shadowctl: cannot reach the admin API at nohost.invalid:18001: unknown host nohost.invalid\n");
  }

  @Test
  void usageErrorsExitTwo() throws Exception {
    Run run = shadowctl(Map.of(), "get", "foo");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).isEqualTo(Golden.read("bad-service-ref", "err"));
  }

  @Test
  void shadowctlJarPointsTheLauncherElsewhere() throws Exception {
    Run found = shadowctl(Map.of("SHADOWCTL_JAR", JAR.toString()), "--version");
    assertThat(found.exitCode()).isZero();

    Run missing = shadowctl(Map.of("SHADOWCTL_JAR", tmp.resolve("nope.jar").toString()), "--version");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err()).startsWith("shadowctl: no jar at " + tmp.resolve("nope.jar"));
  }

  private static Run shadowctl(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
    builder.environment().remove("SHADOWCTL_ADMIN");
    builder.environment().remove("SHADOWCTL_JAR");
    builder.environment().putAll(env);
    // The JVM running the tests is the one to run the jar with.
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("shadowctl " + String.join(" ", args) + " did not finish within 60s");
    }
    return new Run(process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}
