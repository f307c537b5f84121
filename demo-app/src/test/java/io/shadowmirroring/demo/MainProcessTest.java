package io.shadowmirroring.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs {@code Main} as its own JVM, the way the container does, to see exit code and stderr. */
class MainProcessTest {

  @Test
  void badSettingsStopTheAppWithOneClearLineAndExitCode2() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        Main.class.getName());
    builder.environment().put("ERROR_RATE", "lots");
    builder.environment().put("PORT", "0");
    Process process = builder.start();

    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exited").isTrue();
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.exitValue()).isEqualTo(Main.EXIT_BAD_CONFIG);
    assertThat(stderr.strip()).isEqualTo("demo-app: invalid configuration: ERROR_RATE must be a number from 0 to 1"
        + " (0.05 = 5% of requests fail), got \"lots\"");
  }
}
