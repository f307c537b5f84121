package io.shadowmirroring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged shadowctl launcher as a real process against a server's admin port. */
final class ShadowctlProcess {
  private static final Path LAUNCHER =
      Path.of("..").toAbsolutePath().normalize().resolve("shadowctl/bin/shadowctl");

  record Result(int exitCode, String out, String err) {}

  private ShadowctlProcess() {}

  /** Runs {@code shadowctl --admin 127.0.0.1:adminPort args...}, its output kept in files under {@code work}. */
  static Result run(Path work, int adminPort, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", LAUNCHER.toString(), "--admin", "127.0.0.1:" + adminPort));
    command.addAll(List.of(args));
    Path out = work.resolve("out.txt");
    Path err = work.resolve("err.txt");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("shadowctl %s finishes", List.of(args)).isTrue();
    return new Result(process.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }
}
