package io.shadowmirroring.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 8's load harness: the xds-server and plain java-control-plane, each as its own process, fed the
 * same Services and EndpointSlices, measured from outside under the same Envoy-like load. Run it with
 * {@code bench/run} (it builds first), which prints the results and writes them to
 * {@code bench/results/latest.md}.
 */
@Command(name = "bench/run", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measures the xds-server side by side with plain java-control-plane (issue 8's scenarios).")
public final class Harness implements Callable<Integer> {
  @Option(names = "--quick", description = "Small sizes for development (about a minute).")
  boolean quick;

  @Option(names = "--services", defaultValue = "1000", description = "Services (scenarios 1-5, 8). Default: ${DEFAULT-VALUE}.")
  int services;

  @Option(names = "--mirrored", defaultValue = "500", description = "Of which mirrored (at most half). Default: ${DEFAULT-VALUE}.")
  int mirrored;

  @Option(names = "--streams", defaultValue = "1000", description = "SotW streams (1, 2, 4, 5). Default: ${DEFAULT-VALUE}.")
  int streams;

  @Option(names = "--delta-streams", defaultValue = "1000", description = "Delta streams (3). Default: ${DEFAULT-VALUE}.")
  int deltaStreams;

  @Option(names = "--streams-per-channel", defaultValue = "100", description = "Streams per HTTP/2 connection. Default: ${DEFAULT-VALUE}.")
  int streamsPerChannel;

  @Option(names = "--churn-streams", defaultValue = "500", description = "SotW streams during churn (8). Default: ${DEFAULT-VALUE}.")
  int churnStreams;

  @Option(names = "--churn-rate", defaultValue = "50", description = "EndpointSlice updates a second (8). Default: ${DEFAULT-VALUE}.")
  int churnRate;

  @Option(names = "--churn-seconds", defaultValue = "60",
      description = "Duration of the churn (8); the issue's is 120, which takes the whole run past 10 minutes. Default: ${DEFAULT-VALUE}.")
  int churnSeconds;

  @Option(names = "--memory-services", defaultValue = "10000", description = "Services in the memory scenario (6). Default: ${DEFAULT-VALUE}.")
  int memoryServices;

  @Option(names = "--memory-streams", defaultValue = "1000", description = "Idle streams in the memory scenario (6). Default: ${DEFAULT-VALUE}.")
  int memoryStreams;

  @Option(names = "--translation-services", defaultValue = "5000",
      description = "Services in the translation benchmark (7). Default: ${DEFAULT-VALUE}.")
  int translationServices;

  @Option(names = "--stall-seconds", defaultValue = "20",
      description = "A storm (5, 6, and those opening 3 and 8) with no response and no stream completed for this long "
          + "stops as not complete. Default: ${DEFAULT-VALUE}.")
  int stallSeconds;

  @Option(names = "--scenarios", split = ",", description = "Scenarios to run, e.g. 1,2,4. Default: all, 1-8.")
  List<Integer> scenarios = new ArrayList<>(new TreeSet<>(HarnessOptions.ALL_SCENARIOS));

  @Option(names = "--servers", split = ",", description = "ours, baseline or both. Default: both.")
  List<String> servers = new ArrayList<>(List.of("ours", "baseline"));

  @Option(names = "--no-jfr", negatable = false, description = "Profile no scenario with JFR.")
  boolean noJfr;

  // Not by default: starting a recording makes the JIT compile again, for minutes of the scenarios after it
  // (`--scenarios 4,8 --servers ours`: churn took C2 13 CPU-s with scenario 4 profiled, 5.4 without; its p99
  // 268 and 359 ms against 224).
  @Option(names = "--jfr", split = ",", description = "Scenarios whose server side is profiled with JFR (1-5, 8). "
      + "Default: none. Starting JFR makes the JIT compile again: later scenarios of the same server are not "
      + "comparable with an unprofiled run.")
  List<Integer> jfr = new ArrayList<>();

  @Option(names = "--rtds-layer", defaultValue = "shadow-mirroring",
      description = "The RTDS layer the streams to the xds-server subscribe to, as the shipped bootstraps do "
          + "(empty: none, percentages then travel in the routes). Default: ${DEFAULT-VALUE}.")
  String rtdsLayer;

  @Option(names = "--server-jar", defaultValue = "xds-server/target/xds-server.jar",
      description = "The xds-server's shaded jar. Default: ${DEFAULT-VALUE}.")
  Path serverJar;

  @Option(names = "--server-arg", description = "A flag for the xds-server only, repeatable, e.g. "
      + "--server-arg=--max-debounce=250ms. Default: none (the server's defaults).")
  List<String> serverArgs = new ArrayList<>();

  @Option(names = "--work", defaultValue = "bench/target/harness", description = "Scratch directory. Default: ${DEFAULT-VALUE}.")
  Path work;

  @Option(names = "--output", defaultValue = "bench/results/latest.md", description = "Results file. Default: ${DEFAULT-VALUE}.")
  Path output;

  private List<String> arguments = List.of();

  public static void main(String[] args) {
    Harness harness = new Harness();
    harness.arguments = List.of(args);
    System.exit(new CommandLine(harness).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Set<ServerKind> kinds = EnumSet.noneOf(ServerKind.class);
    for (String server : servers) {
      kinds.add(switch (server) {
        case "ours" -> ServerKind.OURS;
        case "baseline" -> ServerKind.BASELINE;
        default -> throw new CommandLine.ParameterException(new CommandLine(this),
            "--servers takes ours and baseline, not " + server);
      });
    }
    HarnessOptions options = new HarnessOptions(services, mirrored, streams, deltaStreams, streamsPerChannel,
        churnStreams, churnRate, churnSeconds, memoryServices, memoryStreams, translationServices, stallSeconds, Set.copyOf(scenarios), kinds, noJfr ? Set.of() : Set.copyOf(jfr),
        rtdsLayer, serverJar, List.copyOf(serverArgs), work.toAbsolutePath(), output);
    if (quick) {
      options = options.quick();
    }
    Files.createDirectories(options.work());
    Instant started = Instant.now();
    String loadBefore = loadAverage();
    Map<Integer, Figures> ours = Map.of();
    Map<Integer, Figures> baseline = Map.of();
    StringBuilder profiles = new StringBuilder();
    Map<String, Map<ServerKind, String>> threadCpu = new java.util.LinkedHashMap<>();
    long startNanos = System.nanoTime();
    for (ServerKind kind : kinds) {
      ScenarioRunner runner = new ScenarioRunner(options, kind, line -> System.err.println(
          String.format("[bench %4.0f s] ", (System.nanoTime() - startNanos) / 1e9) + line));
      try {
        runner.run();
      } catch (Exception e) {
        // What was measured before the failure still goes into the report.
        System.err.println("[bench] " + kind.label() + ": stopped: " + e);
      }
      if (kind == ServerKind.OURS) {
        ours = runner.results();
      } else {
        baseline = runner.results();
      }
      runner.threadCpu().forEach((step, line) ->
          threadCpu.computeIfAbsent(step, s -> new java.util.EnumMap<>(ServerKind.class)).put(kind, line));
      runner.profiles().forEach((scenario, summary) -> profiles.append("\n### JFR, scenario ").append(scenario)
          .append(", ").append(kind.label()).append("\n\n```\n").append(summary).append("```\n"));
    }
    if (options.scenarios().contains(7) && kinds.contains(ServerKind.OURS)) {
      ours = new java.util.TreeMap<>(ours);
      ours.put(7, TranslationScenario.run(options.translationServices()));
    }
    ResultsTable table = new ResultsTable(ours, baseline);
    long seconds = java.time.Duration.between(started, Instant.now()).toSeconds();
    String report = "# bench/run results\n\nGenerated by `" + String.join(" ", commandShown()) + "`, "
        + started.truncatedTo(ChronoUnit.SECONDS) + ", " + seconds / 60 + " min " + seconds % 60 + " s. "
        + machine() + " Load average before: " + loadBefore + "; after: " + loadAverage() + ".\n\n"
        + "Sizes: " + options.services() + " Services (" + options.mirrored() + " mirrored), " + options.streams()
        + " SotW / " + options.deltaStreams() + " Delta streams, " + options.streamsPerChannel() + " per channel; churn "
        + options.churnRate() + "/s for " + options.churnSeconds() + " s on " + options.churnStreams()
        + " streams; memory " + options.memoryServices() + " Services, " + options.memoryStreams() + " streams;"
        + " translation " + options.translationServices() + " Services.\n\n"
        + "## Targets (issue 8)\n\n" + table.targets() + "\n## All figures\n\n" + table.figures()
        + threadCpuSection(threadCpu) + profiles
        + "\n" + totalWallTime(seconds) + "\n";
    System.out.println(report);
    Files.createDirectories(options.output().toAbsolutePath().getParent());
    Files.writeString(options.output(), report);
    System.err.println("[bench] written to " + options.output());
    return 0;
  }

  /** The harness's wall time, and with bench/run's build (it passes BENCH_BUILD_SECONDS) the whole command's. */
  private static String totalWallTime(long harnessSeconds) {
    String build = System.getenv("BENCH_BUILD_SECONDS");
    long total = harnessSeconds + (build == null || build.isBlank() ? 0 : Long.parseLong(build.trim()));
    return "Total wall time: " + total / 60 + " min " + total % 60 + " s"
        + (build == null ? "" : " (build " + build.trim() + " s, harness " + harnessSeconds / 60 + " min "
            + harnessSeconds % 60 + " s)") + ".";
  }

  /** Each step's server CPU by thread group, both servers under it. */
  private static String threadCpuSection(Map<String, Map<ServerKind, String>> steps) {
    if (steps.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder("\n## Server CPU by thread group\n\n"
        + "From `/proc/<pid>/task/*/stat` (utime + stime) over each step's CPU window, threads grouped by pool "
        + "(the name without its number): JIT C1/C2 are the compiler threads, GC workers and GC concurrent G1's, "
        + "gRPC executor the default cached pool that runs the handlers, Netty workers the event loops. "
        + "\"(ended threads)\" is CPU of threads gone by the end of the step. Largest first; sys is kernel time.\n\n");
    steps.forEach((step, lines) -> {
      out.append("- ").append(step).append("\n");
      lines.forEach((kind, line) -> out.append("  - ").append(kind.label()).append(": ").append(line).append("\n"));
    });
    return out.toString();
  }

  private List<String> commandShown() {
    List<String> command = new ArrayList<>(List.of("bench/run"));
    command.addAll(arguments);
    return command;
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  private static String machine() {
    long memory = ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    return "Machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
        + Math.round(memory / (1024.0 * 1024 * 1024)) + " GiB, Java " + System.getProperty("java.version") + ".";
  }
}
