package io.shadowmirroring.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real nginx (Debian's package) as a child process: one process (no master, no daemon), listening
 * on 127.0.0.1 only, with its pid, logs and temp files in a test directory. Closing it stops it.
 */
final class Nginx implements AutoCloseable {
  private final Process process;
  private final Path log;

  private Nginx(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** nginx on PATH, or in /usr/sbin where Debian puts it (not on a normal user's PATH). */
  static Optional<Path> binary() {
    String path = System.getenv().getOrDefault("PATH", "");
    return java.util.stream.Stream.concat(Arrays.stream(path.split(java.io.File.pathSeparator)), java.util.stream.Stream.of("/usr/sbin"))
        .filter(dir -> !dir.isEmpty())
        .map(dir -> Path.of(dir, "nginx"))
        .filter(Files::isExecutable)
        .findFirst();
  }

  static void assumeInstalled() {
    Assumptions.assumeTrue(binary().isPresent(),
        "nginx is not installed (apt-get install nginx; .ci/run does it): skipping the real-nginx tests");
  }

  /**
   * A whole nginx.conf around a rendered {@code http {}} block: the block is kept as rendered, with
   * only this test's temp and log paths added at its top.
   */
  static String mainConfig(String httpBlock, Path dir) {
    if (!httpBlock.startsWith("http {\n")) {
      throw new IllegalArgumentException("not an http block: " + httpBlock.lines().findFirst().orElse(""));
    }
    String paths = List.of("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path",
            "scgi_temp_path").stream()
        .map(directive -> "    " + directive + " " + dir.resolve("temp").resolve(directive) + ";\n")
        .reduce("", String::concat);
    return "worker_processes 1;\n"
        + "events { worker_connections 1024; }\n"
        + "http {\n" + paths + "    access_log off;\n" + httpBlock.substring("http {\n".length());
  }

  /** {@code nginx -t}: the empty string when the config is valid, else nginx's complaint. */
  static String check(String mainConfig, Path dir) throws IOException, InterruptedException {
    Path conf = write(mainConfig, dir);
    Process test = command(dir, conf, "-t").redirectErrorStream(true).start();
    String output = new String(test.getInputStream().readAllBytes());
    if (!test.waitFor(30, TimeUnit.SECONDS)) {
      test.destroyForcibly();
      return "nginx -t did not finish within 30 s";
    }
    return test.exitValue() == 0 ? "" : output.strip();
  }

  static Nginx start(String mainConfig, Path dir, int port) throws IOException, InterruptedException {
    Path conf = write(mainConfig, dir);
    Path log = dir.resolve("nginx.log");
    Process process = command(dir, conf).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Nginx nginx = new Nginx(process, log);
    for (int i = 0; i < 100; i++) {
      if (!process.isAlive()) {
        throw new AssertionError("nginx exited with " + process.exitValue() + ": " + Files.readString(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return nginx;
      } catch (IOException notYetListening) {
        Thread.sleep(100);
      }
    }
    nginx.close();
    throw new AssertionError("nginx did not listen on 127.0.0.1:" + port + " within 10 s: " + Files.readString(log));
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Path write(String mainConfig, Path dir) throws IOException {
    for (String temp : List.of("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path",
        "scgi_temp_path")) {
      Files.createDirectories(dir.resolve("temp").resolve(temp));
    }
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, mainConfig);
    return conf;
  }

  // -e and error_log: nothing goes to the package's /var/log/nginx; -p: relative paths stay in dir.
  private static ProcessBuilder command(Path dir, Path conf, String... extra) {
    List<String> command = new java.util.ArrayList<>(List.of(binary().orElseThrow().toString(),
        "-e", "stderr", "-p", dir.toString(), "-c", conf.toString(),
        "-g", "daemon off; master_process off; pid " + dir.resolve("nginx.pid") + "; error_log stderr warn;"));
    command.addAll(List.of(extra));
    return new ProcessBuilder(command);
  }
}
