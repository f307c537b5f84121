package io.shadowmirroring.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test as its own JVM, measured from outside: CPU time from {@code /proc/<pid>/stat}
 * (utime + stime, every thread: gRPC, GC, JIT), heap after a full GC with {@code jcmd}, and JFR
 * recordings started and stopped with {@code jcmd}.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
  private static final double TICKS_PER_SECOND = 100.0;
  static final Duration JCMD_TIMEOUT = Duration.ofSeconds(30);

  private final String label;
  private final Process process;
  private final int xdsPort;
  private final Path log;

  private ServerProcess(String label, Process process, int xdsPort, Path log) {
    this.label = label;
    this.process = process;
    this.xdsPort = xdsPort;
    this.log = log;
  }

  /** Starts {@code java <jvmOptions> <mainArgs>} with the feed's environment, logging to {@code log}. */
  public static ServerProcess start(String label, List<String> jvmOptions, List<String> mainArgs, int xdsPort,
      InputFeed feed, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(mainArgs);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    for (String variable : feed.environment()) {
      int eq = variable.indexOf('=');
      builder.environment().put(variable.substring(0, eq), variable.substring(eq + 1));
    }
    builder.environment().put("KUBERNETES_REQUEST_TIMEOUT", "120000");
    return new ServerProcess(label, builder.start(), xdsPort, log);
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public String label() {
    return label;
  }

  public int xdsPort() {
    return xdsPort;
  }

  public long pid() {
    return process.pid();
  }

  /** Waits until the xDS port accepts connections. */
  public void awaitPort(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(label + " exited with " + process.exitValue() + "; log " + log + ":\n" + tail());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", xdsPort), 200);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new IOException(label + " did not open port " + xdsPort + " in " + timeout + "; log " + log + ":\n" + tail());
  }

  /** CPU seconds the process has used so far (all threads, user and system). */
  public double cpuSeconds() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
    // Field 2 (comm) may hold spaces; fields are counted after its closing parenthesis.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
  }

  /** Whether the process still runs. */
  public boolean alive() {
    return process.isAlive();
  }

  /** The exit code, once it no longer runs. */
  public int exitValue() {
    return process.exitValue();
  }

  /** CPU by thread so far, or empty where there is no {@code /proc/<pid>/task} (not Linux) or it ended. */
  java.util.Optional<ThreadCpu.Snapshot> threads() {
    if (!ThreadCpu.available(process.pid())) {
      return java.util.Optional.empty();
    }
    try {
      return java.util.Optional.of(ThreadCpu.snapshot(process.pid()));
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * The live heap, in bytes: the total of {@code jcmd GC.class_histogram}, which runs a full GC first and
   * counts the objects left. More exact than the heap's "used" after {@code GC.run}, which counts whole
   * regions and whatever was allocated between the two commands.
   */
  public long heapAfterGc() throws IOException, InterruptedException {
    Matcher total = HISTOGRAM_TOTAL.matcher(jcmd("GC.class_histogram"));
    if (!total.find()) {
      throw new IOException("jcmd GC.class_histogram of " + label + " shows no 'Total'");
    }
    return Long.parseLong(total.group(1));
  }

  public void startRecording(String name) throws IOException, InterruptedException {
    jcmd("JFR.start", "name=" + name, "settings=profile");
  }

  public void stopRecording(String name, Path file) throws IOException, InterruptedException {
    jcmd("JFR.stop", "name=" + name, "filename=" + file.toAbsolutePath());
  }

  private String jcmd(String... command) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    args.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    args.add(Long.toString(process.pid()));
    args.addAll(List.of(command));
    // Output to a file, so that a JVM too busy to answer (a full heap) costs a timeout, not a hang.
    Path out = Files.createTempFile("jcmd", ".txt");
    try {
      Process jcmd = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      // A full GC of a 1 GB heap takes seconds; a JVM that needs longer is thrashing, which is the answer.
      if (!jcmd.waitFor(JCMD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
        throw new IOException("jcmd " + String.join(" ", command) + " of " + label + " did not answer in "
            + JCMD_TIMEOUT.toSeconds() + " s");
      }
      String text = Files.readString(out);
      if (jcmd.exitValue() != 0) {
        throw new IOException("jcmd " + String.join(" ", command) + " failed: " + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** The first line of the server's log that contains {@code text}, cut to 200 characters. */
  public java.util.Optional<String> logLine(String text) throws IOException {
    try (var lines = Files.lines(log)) {
      return lines.filter(line -> line.contains(text)).findFirst()
          .map(line -> line.length() > 200 ? line.substring(0, 200) + "…" : line);
    } catch (java.io.UncheckedIOException e) {
      return java.util.Optional.of("(log not readable: " + e.getMessage() + ")");
    }
  }

  private String tail() throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  @Override
  public void close() throws InterruptedException {
    // SIGTERM: the xds-server runs its graceful shutdown (started with --shutdown-delay 0s, see ServerKind).
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
