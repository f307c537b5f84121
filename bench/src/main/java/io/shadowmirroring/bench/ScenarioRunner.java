package io.shadowmirroring.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs the scenarios against one server kind. Each server gets a fresh, identical input, so both start
 * from the same bytes: the main run (scenarios 1–5 and 8, the mock API server) and the memory run
 * (scenario 6, a directory of YAML, {@code -Xmx1g}).
 */
final class ScenarioRunner {
  /** Unmeasured changes of each kind before the measured ones (see warmUp). */
  private static final int WARM_UP_ROUNDS = 2;
  private static final Duration STORM_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration CHANGE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration QUIET = Duration.ofMillis(500);
  /** Seconds of unmeasured churn before scenario 8 is measured (at most the scenario's own duration). */
  private static final int CHURN_WARM_UP_SECONDS = 10;
  /**
   * How many endpoint changes scenario 3 measures, one after the other: a single change's p99 moved by a
   * factor of three between runs of the same code (the mock API server, the informer and the load share
   * the 2 cores), so one change said little. Scenario 1 measures fewer: the baseline takes seconds a
   * change there, and both figures are far from their targets.
   */
  static final int DELTA_ENDPOINT_CHANGES = 5;
  static final int SOTW_ENDPOINT_CHANGES = 3;
  /**
   * Scenario 4's methods edits, one after the other, each with a method of its own (its marker is in no
   * earlier route table). A route table of 324 KB to 1,000 streams takes paths that small changes do not
   * (HTTP/2 flow control, frames split), and the JIT compiles them during the first such sends: the
   * warm-up's one edit per stream type does not finish that. Each edit is reported in the notes.
   */
  static final List<String> ROUTE_TABLE_METHODS = List.of("PUT", "SEARCH", "PROPFIND");
  /**
   * The method of scenario 4's profiled edit, which comes after the measured ones and is not one of them:
   * starting a JFR recording made the JIT compile again (C2 1.6 CPU-s in ours, 10 in the baseline's, in a
   * change that took 1.0 and 5.7 CPU-s unprofiled just before).
   */
  private static final String PROFILED_ROUTE_TABLE_METHOD = "REPORT";
  /** The methods the warm-up edits set, in turn: each edit must change the route table, or it times out. */
  private static final List<String> WARM_UP_METHODS = List.of("PATCH", "DELETE", "TRACE");
  /**
   * Unmeasured endpoint changes before scenario 3's, the warm-up rounds' included: at least the first
   * number, then more until C2 compiled next to nothing (under 0.05 CPU-s) during each of the last two, at
   * most the second. A delta endpoint change runs each per-stream path 1,000 times, short of C2's
   * thresholds after a few: with two, C2 compiled during the first three measured changes (0.6, 0.6 and
   * 0.3 CPU-s of them; p99 153, 122 and 92 ms, then 56 and 69); with six, during two of the five (0.3 and
   * 0.2 CPU-s; p99 118 and 101 ms, the others 57-75). A SotW endpoint change costs the baseline seconds, so
   * scenario 1 keeps the rounds' two.
   */
  static final int DELTA_ENDPOINT_WARM_UPS = 6;
  static final int DELTA_ENDPOINT_WARM_UPS_MAX = 12;
  private static final double COMPILER_QUIET_SECONDS = 0.05;
  private static final Duration GC_WINDOW = Duration.ofSeconds(10);

  private final HarnessOptions options;
  private final ServerKind kind;
  private final Consumer<String> log;
  private final Map<Integer, Figures> results = new TreeMap<>();
  private final Map<Integer, String> profiles = new TreeMap<>();
  private final Map<String, String> threadCpu = new java.util.LinkedHashMap<>();
  private int nextMarker = 1;
  private int warmUpMethodEdits;

  ScenarioRunner(HarnessOptions options, ServerKind kind, Consumer<String> log) {
    this.options = options;
    this.kind = kind;
    this.log = log;
  }

  Map<Integer, Figures> results() {
    return results;
  }

  /** JFR summaries by scenario. */
  Map<Integer, String> profiles() {
    return profiles;
  }

  /** The server's CPU by thread group, one line by scenario step, in the order they ran. */
  Map<String, String> threadCpu() {
    return threadCpu;
  }

  void run() throws Exception {
    if (options.mainRun()) {
      mainRun();
    }
    if (options.scenarios().contains(6)) {
      memoryRun();
    }
  }

  private boolean wanted(int scenario) {
    return options.scenarios().contains(scenario);
  }

  private void mainRun() throws Exception {
    Path work = options.work().resolve(kind.label());
    MeshFixture fixture = new MeshFixture(options.services(), options.mirrored());
    try (KubernetesFeed feed = new KubernetesFeed(work, fixture)) {
      long started = System.nanoTime();
      feed.publishAll();
      log.accept(kind.label() + ": " + fixture.services() + " Services and slices created in the mock API server in "
          + seconds(started) + " s");
      int port = ServerProcess.freePort();
      try (ServerProcess server = ServerProcess.start(kind.label(), List.of(),
              kind.arguments(feed.sourceArgument(), port, options.serverJar(), options.serverArgs()), port, feed, work.resolve("server.log"));
          // Plain java-control-plane has no RTDS type: its streams run as bootstraps without the layer.
          LoadClient client = new LoadClient("127.0.0.1", port, options.streamsPerChannel(), new MarkerBoard(),
              kind == ServerKind.OURS ? options.rtdsLayer() : "")) {
        server.awaitPort(Duration.ofMinutes(1));
        firstSnapshot(client);
        if (wanted(1) || wanted(2) || wanted(4) || wanted(5)) {
          Figures cold = storm(server, client, options.streams(), LoadClient.Mode.SOTW, recording(5), "5, cold storm");
          results.put(5, cold);
          if (wanted(5) && server.alive()) {
            // The same storm again on the same process: what of the cold figure is warm-up (JIT, pools).
            client.closeStreams();
            awaitServerIdle(server);
            Figures warm = storm(server, client, options.streams(), LoadClient.Mode.SOTW, null, "5, warm storm");
            for (String measure : List.of("server CPU (s)", "all complete (s)", "streams complete", "bytes per stream")) {
              cold.put("warm: " + measure, warm.get(measure));
            }
            if (!warm.notes().isEmpty()) {
              cold.note("warm: " + warm.notes());
            }
          }
          if (wanted(1) || wanted(2) || wanted(4)) {
            warmUp(server, client, fixture, feed, "SotW", WARM_UP_ROUNDS, WARM_UP_ROUNDS);
          }
          if (wanted(1)) {
            results.put(1, endpointChange(server, client, fixture, feed, 1, SOTW_ENDPOINT_CHANGES));
          }
          if (wanted(2)) {
            results.put(2, routeChange(server, client, feed, Markers.percentage(371_234), () -> {
              fixture.setPercentage(0, 371_234);
              feed.updateService(0);
            }, 2));
          }
          if (wanted(4)) {
            results.put(4, routeTableChanges(server, client, fixture, feed));
          }
          if (!wanted(5)) {
            results.remove(5);
          }
          client.closeStreams();
        }
        if (wanted(3)) {
          Figures storm = storm(server, client, options.deltaStreams(), LoadClient.Mode.DELTA, null,
              "3, Delta storm");
          int warmUps = warmUp(server, client, fixture, feed, "Delta", DELTA_ENDPOINT_WARM_UPS,
              DELTA_ENDPOINT_WARM_UPS_MAX);
          Figures change = endpointChange(server, client, fixture, feed, 3, DELTA_ENDPOINT_CHANGES);
          change.note("after " + warmUps + " unmeasured endpoint changes on these streams");
          change.note("Delta: all " + options.deltaStreams() + " complete in "
              + String.format("%.1f s", storm.get("all complete (s)")));
          results.put(3, change);
          client.closeStreams();
        }
        if (wanted(8)) {
          results.put(8, churn(server, client, fixture, feed));
          client.closeStreams();
        }
      }
    }
  }

  /**
   * One stream first, so that what follows measures serving, not the start: the source has synced and
   * the first snapshot is built and served.
   */
  private void firstSnapshot(LoadClient client) throws Exception {
    client.open(1, LoadClient.Mode.SOTW, kind.label() + "-first");
    if (!client.awaitComplete(STORM_TIMEOUT)) {
      throw new IllegalStateException(kind.label() + " served no complete configuration to a first stream in "
          + STORM_TIMEOUT.toSeconds() + " s: " + client.firstFailure());
    }
    client.closeStreams();
    client.awaitQuiet(QUIET, Duration.ofSeconds(10));
  }

  /** Scenario 5: {@code count} streams connect at once; CPU until every stream has everything. */
  private Figures storm(ServerProcess server, LoadClient client, int count, LoadClient.Mode mode, Path recording,
      String label) throws Exception {
    Figures figures = new Figures();
    if (recording != null) {
      server.startRecording("storm");
    }
    CpuWindow cpu = new CpuWindow(server);
    long bytes = client.bytes();
    long started = System.nanoTime();
    client.open(count, mode, kind.label() + "-" + mode.name().toLowerCase());
    String undecided = awaitStreams(server, client);
    boolean all = undecided.isEmpty();
    double elapsed = seconds(started);
    if (server.alive()) {
      client.awaitQuiet(QUIET, Duration.ofSeconds(10));
    }
    if (recording != null && server.alive()) {
      server.stopRecording("storm", recording);
      profiles.put(5, JfrSummary.summarize(recording, 15));
    }
    figures.put("server CPU (s)", cpu.end(label))
        .put("all complete (s)", all ? elapsed : Double.NaN)
        .put("streams complete", client.completeCount())
        .put("bytes per stream", (client.bytes() - bytes) / (double) count);
    if (!all) {
      figures.note(client.completeCount() + " of " + count + " complete after " + String.format("%.0f s", elapsed)
          + ": " + undecided);
    }
    if (mode == LoadClient.Mode.SOTW && server.alive()) {
      figures.put("heap after GC (MB)", heap(server, figures) / 1e6);
    }
    server.logLine("OutOfMemoryError").ifPresent(line -> figures.note("server log: " + line));
    log.accept(kind.label() + ": " + label + ": " + count + " " + mode + " streams: " + figures.values() + " "
        + figures.notes());
    return figures;
  }

  /**
   * Waits until the open streams are decided: all complete (an empty answer), or why not: a stream
   * failed, the server exited or logged an OutOfMemoryError, nothing arrived and no stream completed
   * for {@code --stall-seconds}, or {@link #STORM_TIMEOUT} passed. A server that cannot finish (a full
   * heap, direct memory exhausted) is so decided in seconds instead of waiting out the bound.
   */
  private String awaitStreams(ServerProcess server, LoadClient client) throws Exception {
    long started = System.nanoTime();
    long stall = Duration.ofSeconds(options.stallSeconds()).toNanos();
    long lastProgress = started;
    long nextLogCheck = started;
    int lastComplete = -1;
    long lastResponses = -1;
    java.util.ArrayDeque<GcSample> gcSamples = new java.util.ArrayDeque<>();
    while (true) {
      int complete = client.completeCount();
      if (complete >= client.streamCount()) {
        return "";
      }
      if (client.failedCount() > 0) {
        return client.failedCount() + " failed: " + client.firstFailure();
      }
      if (!server.alive()) {
        return "the server exited with " + server.exitValue();
      }
      long now = System.nanoTime();
      if (now >= nextLogCheck) {
        if (server.logLine("OutOfMemoryError").isPresent()) {
          return "the server logged an OutOfMemoryError";
        }
        nextLogCheck = now + 1_000_000_000L;
        String thrashing = gcThrashing(server, client, gcSamples, now);
        if (!thrashing.isEmpty()) {
          return thrashing;
        }
      }
      long responses = client.responses();
      if (complete != lastComplete || responses != lastResponses) {
        lastComplete = complete;
        lastResponses = responses;
        lastProgress = now;
      } else if (now - lastProgress > stall) {
        return "no progress (no response, no stream completed) for " + options.stallSeconds() + " s";
      }
      if (now - started > STORM_TIMEOUT.toNanos()) {
        return "not all complete within " + STORM_TIMEOUT.toSeconds() + " s";
      }
      Thread.sleep(20);
    }
  }

  private record GcSample(long nanos, ThreadCpu.Snapshot threads, int complete) {}

  /**
   * A full heap: over the last {@link #GC_WINDOW}, GC threads took at least 90 % of the server's CPU (of
   * at least a quarter core) and no stream completed. G1 has no "GC overhead limit": a heap too small for
   * its streams keeps a JVM collecting instead of throwing, so this is how such a storm is decided.
   * Empty while not so, or where per-thread CPU cannot be read.
   */
  private static String gcThrashing(ServerProcess server, LoadClient client, java.util.ArrayDeque<GcSample> samples,
      long now) {
    java.util.Optional<ThreadCpu.Snapshot> threads = server.threads();
    if (threads.isEmpty()) {
      return "";
    }
    samples.addLast(new GcSample(now, threads.get(), client.completeCount()));
    GcSample first = samples.peekFirst();
    if (now - first.nanos() < GC_WINDOW.toNanos()) {
      return "";
    }
    while (samples.size() > 1 && now - samples.peekFirst().nanos() >= GC_WINDOW.toNanos()) {
      first = samples.removeFirst();
    }
    double total = 0;
    double gc = 0;
    for (ThreadCpu.Group group : ThreadCpu.between(first.threads(), threads.get())) {
      total += group.total();
      gc += group.name().startsWith("GC") || group.name().equals("VM Thread") ? group.total() : 0;
    }
    double seconds = (now - first.nanos()) / 1e9;
    if (client.completeCount() == first.complete() && total >= 0.25 * seconds && gc >= 0.9 * total) {
      return String.format("heap full: GC threads used %.0f %% of the server's %.1f CPU-s over the last %.0f s"
          + " and no stream completed", 100 * gc / total, total, seconds);
    }
    return "";
  }

  /**
   * The server's CPU from its start to {@link #end}: the process's total (every thread, ended ones
   * included) and, where {@code /proc/<pid>/task} exists, by thread group for the report.
   */
  private final class CpuWindow {
    private final ServerProcess server;
    private final double start;
    private final java.util.Optional<ThreadCpu.Snapshot> threads;

    CpuWindow(ServerProcess server) throws IOException {
      this.server = server;
      this.threads = server.threads();
      this.start = server.cpuSeconds();
    }

    /** CPU seconds since the start (NaN if the server is gone); its thread groups go under {@code label}. */
    double end(String label) {
      java.util.Optional<ThreadCpu.Snapshot> now = server.threads();
      double used;
      try {
        used = server.cpuSeconds() - start;
      } catch (IOException gone) {
        threadCpu.put(label, "the server is gone");
        return Double.NaN;
      }
      threadCpu.put(label, threads.isPresent() && now.isPresent()
          ? ThreadCpu.format(ThreadCpu.between(threads.get(), now.get()), 7)
          : "no per-thread CPU here (/proc/<pid>/task/*/stat: Linux only)");
      return used;
    }
  }

  /**
   * Changes like the measured ones, before them and not measured: a server that has run for a while has
   * its change paths compiled (JIT), and without these the first change after the start would time the
   * compiler rather than the server. Both servers get the same.
   */
  private int warmUp(ServerProcess server, LoadClient client, MeshFixture fixture, InputFeed feed, String streams,
      int endpointChanges, int endpointChangesMax) throws Exception {
    for (int round = 0; round < WARM_UP_ROUNDS && server.alive(); round++) {
      endpointChange(server, client, fixture, feed, fixture.services() - 1 - round, 0,
          "warm-up " + (round + 1) + ", " + streams + ", endpoint change");
      if (fixture.mirrored() > 1) {
        int millionths = 100_000 + round;
        routeChange(server, client, feed, Markers.percentage(millionths), () -> {
          fixture.setPercentage(1, millionths);
          feed.updateService(1);
        }, 0, "warm-up " + (round + 1) + ", " + streams + ", percentage edit");
      }
      if (round == 0 && fixture.mirrored() > 3) {
        // Once: a whole route table to every stream is the costliest change (scenario 4's kind). Another
        // method each time: the Delta warm-up's edit repeating the SotW one's changed nothing and waited
        // out the 60 s bound.
        String method = WARM_UP_METHODS.get(warmUpMethodEdits++ % WARM_UP_METHODS.size());
        routeChange(server, client, feed, Markers.text(method), () -> {
          fixture.setMethods(3, "GET,HEAD,OPTIONS," + method);
          feed.updateService(3);
        }, 0, "warm-up " + (round + 1) + ", " + streams + ", methods edit");
      }
    }
    int done = WARM_UP_ROUNDS;
    int compilerQuiet = 0;
    java.util.Optional<ThreadCpu.Snapshot> before = server.threads();
    while (done < endpointChangesMax && server.alive()) {
      awaitServerIdle(server, Duration.ofSeconds(3));
      // C2's CPU over the last change and its wait; without per-thread CPU, the least number of changes.
      java.util.Optional<ThreadCpu.Snapshot> now = server.threads();
      if (before.isPresent() && now.isPresent()) {
        compilerQuiet = compilerSeconds(before.get(), now.get()) < COMPILER_QUIET_SECONDS ? compilerQuiet + 1 : 0;
      }
      if (done >= endpointChanges && (compilerQuiet >= 2 || now.isEmpty())) {
        break;
      }
      before = now;
      endpointChange(server, client, fixture, feed, fixture.services() - 1 - done, 0,
          "warm-up, " + streams + ", endpoint change " + (done + 1));
      done++;
    }
    return done;
  }

  private static double compilerSeconds(ThreadCpu.Snapshot before, ThreadCpu.Snapshot after) {
    return ThreadCpu.between(before, after).stream().filter(group -> group.name().equals("JIT C2"))
        .mapToDouble(ThreadCpu.Group::total).sum();
  }

  /**
   * Scenarios 1 and 3: one EndpointSlice gains an endpoint, {@code changes} times one after the other, each
   * once the last reached every stream and the streams were quiet. Propagation is over every
   * stream of every change; bytes, responses and CPU are per change; the notes give each change's p99.
   */
  private Figures endpointChange(ServerProcess server, LoadClient client, MeshFixture fixture, InputFeed feed,
      int scenario, int count) throws Exception {
    int service = Math.min(fixture.services() - 1, scenario);
    LatencyRecorder all = new LatencyRecorder();
    List<Figures> changes = new java.util.ArrayList<>();
    for (int i = 0; i < count && server.alive(); i++) {
      // Each change alone: what the one before left to do (its ACKs, a collection) is not timed with it.
      awaitServerIdle(server, Duration.ofSeconds(3));
      LatencyRecorder one = new LatencyRecorder();
      changes.add(endpointChange(server, client, fixture, feed, service, scenario,
          "endpoint change " + (i + 1) + " of " + count, one));
      all.addAll(one);
    }
    return perChange(all, changes);
  }

  /**
   * Changes measured one after the other as one figure: propagation over every stream of every change;
   * bytes, responses and CPU the mean of a change; each change's p99 and CPU in the notes.
   */
  private static Figures perChange(LatencyRecorder all, List<Figures> changes) {
    Figures figures = new Figures().propagation(all.summary());
    for (String measure : List.of("bytes per stream", "responses per stream", "server CPU (s)")) {
      figures.put(measure, changes.stream().mapToDouble(f -> f.get(measure)).average().orElse(Double.NaN));
    }
    figures.put("streams that got it", changes.stream().mapToDouble(f -> f.get("streams that got it")).min()
        .orElse(0));
    figures.note(changes.size() + " changes, each measured alone (bytes, responses and CPU: per change); p99 of each: "
        + changes.stream().map(f -> String.format("%.0f", f.get("propagation p99 (ms)"))).toList() + " ms; CPU of each: "
        + changes.stream().map(f -> String.format("%.2f", f.get("server CPU (s)"))).toList() + " s");
    changes.stream().map(Figures::notes).filter(n -> !n.isEmpty()).distinct().forEach(figures::note);
    return figures;
  }

  private Figures endpointChange(ServerProcess server, LoadClient client, MeshFixture fixture, InputFeed feed,
      int service, int scenario, String what) throws Exception {
    return endpointChange(server, client, fixture, feed, service, scenario, what, new LatencyRecorder());
  }

  private Figures endpointChange(ServerProcess server, LoadClient client, MeshFixture fixture, InputFeed feed,
      int service, int scenario, String what, LatencyRecorder recorder) throws Exception {
    client.board().recordEndpointsInto(recorder);
    int k = nextMarker++;
    fixture.setMarker(service, k);
    return measureChange(server, client, recorder, () -> {
      client.board().endpointChangeWritten(k, System.nanoTime());
      feed.updateSlice(service);
    }, recording(scenario), scenario, what);
  }

  /**
   * Scenario 4: a methods edit of one Service ({@link #ROUTE_TABLE_METHODS}), each alone once the server
   * is idle; the JFR profile, when asked for, is of one more edit, left out of the figures.
   */
  private Figures routeTableChanges(ServerProcess server, LoadClient client, MeshFixture fixture, InputFeed feed)
      throws Exception {
    int service = Math.min(2, fixture.mirrored() - 1);
    LatencyRecorder all = new LatencyRecorder();
    List<Figures> changes = new java.util.ArrayList<>();
    for (int i = 0; i < ROUTE_TABLE_METHODS.size() && server.alive(); i++) {
      awaitServerIdle(server, Duration.ofSeconds(3));
      String method = ROUTE_TABLE_METHODS.get(i);
      LatencyRecorder one = new LatencyRecorder();
      changes.add(routeChange(server, client, feed, Markers.text(method), () -> {
        fixture.setMethods(service, "GET,HEAD,OPTIONS," + method);
        feed.updateService(service);
      }, 4, "route table change " + (i + 1) + " of " + ROUTE_TABLE_METHODS.size(), one, null));
      all.addAll(one);
    }
    Figures figures = perChange(all, changes);
    if (recording(4) != null && server.alive()) {
      awaitServerIdle(server, Duration.ofSeconds(3));
      Figures profiled = routeChange(server, client, feed, Markers.text(PROFILED_ROUTE_TABLE_METHOD), () -> {
        fixture.setMethods(service, "GET,HEAD,OPTIONS," + PROFILED_ROUTE_TABLE_METHOD);
        feed.updateService(service);
      }, 4, "profiled route table change (JFR; not in the figures)", new LatencyRecorder(), recording(4));
      figures.note(String.format("one more change, profiled with JFR and left out: %.2f CPU-s, p99 %.0f ms",
          profiled.get("server CPU (s)"), profiled.get("propagation p99 (ms)")));
    }
    return figures;
  }

  /** Scenarios 2 and 4: a change to the routes of one Service, found by a byte pattern. */
  private Figures routeChange(ServerProcess server, LoadClient client, InputFeed feed, List<byte[]> marker,
      IoAction change, int scenario) throws Exception {
    return routeChange(server, client, feed, marker, change, scenario, "route change");
  }

  private Figures routeChange(ServerProcess server, LoadClient client, InputFeed feed, List<byte[]> marker,
      IoAction change, int scenario, String what) throws Exception {
    return routeChange(server, client, feed, marker, change, scenario, what, new LatencyRecorder(),
        recording(scenario));
  }

  private Figures routeChange(ServerProcess server, LoadClient client, InputFeed feed, List<byte[]> marker,
      IoAction change, int scenario, String what, LatencyRecorder recorder, Path recording) throws Exception {
    return measureChange(server, client, recorder, () -> {
      client.board().watch(new MarkerBoard.PatternWatch(marker, Markers.routeTypes(), System.nanoTime(), recorder));
      change.run();
    }, recording, scenario, what);
  }

  /** Where the server's JFR recording of a scenario goes, when it is profiled. */
  private Path recording(int scenario) {
    return options.jfr().contains(scenario)
        ? options.work().resolve(kind.label()).resolve("scenario-" + scenario + ".jfr") : null;
  }

  private Figures measureChange(ServerProcess server, LoadClient client, LatencyRecorder recorder, IoAction change,
      Path recording, int scenario, String what) throws Exception {
    int streams = client.streamCount();
    if (recording != null) {
      server.startRecording("change");
    }
    CpuWindow cpu = new CpuWindow(server);
    long bytes = client.bytes();
    long responses = client.responses();
    change.run();
    long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
    while (recorder.summary().count() < streams && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    client.awaitQuiet(QUIET, Duration.ofSeconds(10));
    Figures figures = new Figures().propagation(recorder.summary())
        .put("bytes per stream", (client.bytes() - bytes) / (double) streams)
        .put("responses per stream", (client.responses() - responses) / (double) streams)
        .put("server CPU (s)", cpu.end(scenario + ", " + what))
        .put("streams that got it", recorder.summary().count());
    if (recorder.summary().count() < streams) {
      figures.note(recorder.summary().count() + " of " + streams + " streams got the change within "
          + CHANGE_TIMEOUT.toSeconds() + " s");
    }
    if (recording != null) {
      Path file = recording.resolveSibling(recording.getFileName().toString());
      server.stopRecording("change", file);
      profiles.put(scenario, JfrSummary.summarize(file, 15));
    }
    log.accept(kind.label() + ": " + what + ": " + figures.values() + " " + figures.notes());
    return figures;
  }

  /** Scenario 8: {@code churnRate} EndpointSlice updates a second for {@code churnSeconds}, after a warm-up. */
  private Figures churn(ServerProcess server, LoadClient client, MeshFixture fixture, InputFeed feed)
      throws Exception {
    Figures storm = storm(server, client, options.churnStreams(), LoadClient.Mode.SOTW, null, "8, storm");
    // Unmeasured churn first, as the other scenarios' warm-up rounds: the churn path's JIT compilation
    // (several CPU-seconds) is not what a long-running server pays for each update.
    client.board().recordEndpointsInto(new LatencyRecorder());
    writeChurn(client, fixture, feed, Duration.ofSeconds(Math.min(CHURN_WARM_UP_SECONDS, options.churnSeconds())));
    client.awaitQuiet(QUIET, Duration.ofSeconds(10));
    int windows = 6;
    long duration = Duration.ofSeconds(options.churnSeconds()).toNanos();
    long started = System.nanoTime();
    LatencyRecorder recorder = new LatencyRecorder(started, duration / windows, windows);
    client.board().recordEndpointsInto(recorder);
    Path recording = recording(8);
    if (recording != null) {
      server.startRecording("churn");
    }
    CpuWindow cpu = new CpuWindow(server);
    long bytes = client.bytes();
    int firstMarker = nextMarker;
    int changes = writeChurn(client, fixture, feed, Duration.ofNanos(duration));
    double wall = seconds(started);
    long expected = (long) changes * client.streamCount();
    long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
    while (recorder.summary().count() < expected && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    client.awaitQuiet(QUIET, Duration.ofSeconds(10));
    double total = seconds(started);
    double used = cpu.end("8, churn");
    if (recording != null) {
      server.stopRecording("churn", recording);
      profiles.put(8, JfrSummary.summarize(recording, 15));
    }
    LatencyRecorder.Summary summary = recorder.summary();
    List<LatencyRecorder.Summary> course = recorder.perWindow();
    Figures figures = new Figures().propagation(summary)
        .put("updates/s achieved", changes / wall)
        .put("average cores", used / total)
        .put("p99 first window (ms)", course.get(0).p99())
        .put("p99 last window (ms)", course.get(windows - 1).p99())
        .put("bytes per stream per s", (client.bytes() - bytes) / (double) client.streamCount() / total)
        .put("server CPU (s)", used);
    figures.note(changes + " updates (markers " + firstMarker + "–" + (nextMarker - 1) + ") over " + String.format(
        "%.0f s", wall) + "; p99 per " + String.format("%.0f s", duration / 1e9 / windows) + " window: "
        + course.stream().map(s -> String.format("%.0f", s.p99())).toList()
        + (summary.count() < expected ? "; " + summary.count() + " of " + expected + " deliveries seen" : "")
        + "; " + storm.get("streams complete") + " streams");
    log.accept(kind.label() + ": churn: " + figures.values() + " " + figures.notes());
    return figures;
  }

  /** Writes {@code churnRate} EndpointSlice updates a second for {@code duration}; returns how many. */
  private int writeChurn(LoadClient client, MeshFixture fixture, InputFeed feed, Duration duration)
      throws InterruptedException {
    long started = System.nanoTime();
    long interval = 1_000_000_000L / options.churnRate();
    int changes = 0;
    // Writers in parallel, so that a slow write (the mock API server shares these 2 cores) does not hold the
    // schedule back; each change is timed from just before its own write. Two writes in flight may reach
    // the server out of order, which can only shorten the time recorded for the earlier one.
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      while (System.nanoTime() - started < duration.toNanos() && nextMarker < MeshFixture.MAX_MARKER) {
        long due = started + changes * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        int k = nextMarker++;
        // Spread over the Services, as a rollout touches one Deployment's slice after another.
        int service = (k * 7919) % fixture.services();
        fixture.setMarker(service, k);
        writers.submit(() -> {
          client.board().endpointChangeWritten(k, System.nanoTime());
          feed.updateSlice(service);
          return null;
        });
        changes++;
      }
    } finally {
      writers.shutdown();
      writers.awaitTermination(1, TimeUnit.MINUTES);
    }
    return changes;
  }

  /** Scenario 6: heap per idle stream beyond the shared snapshot, in a 1 GB heap. */
  private void memoryRun() throws Exception {
    Path work = options.work().resolve(kind.label() + "-memory");
    MeshFixture fixture = new MeshFixture(options.memoryServices(), options.memoryServices() / 2);
    Path directory = work.resolve("input");
    try (DirectoryFeed feed = new DirectoryFeed(directory, fixture)) {
      if (Files.isDirectory(directory)) {
        try (var files = Files.list(directory)) {
          for (Path file : files.toList()) {
            Files.delete(file);
          }
        }
      }
      feed.publishAll();
      int port = ServerProcess.freePort();
      try (ServerProcess server = ServerProcess.start(kind.label(), List.of("-Xmx1g"),
              kind.arguments(feed.sourceArgument(), port, options.serverJar(), options.serverArgs()), port, feed, work.resolve("server.log"));
          // Plain java-control-plane has no RTDS type: its streams run as bootstraps without the layer.
          LoadClient client = new LoadClient("127.0.0.1", port, options.streamsPerChannel(), new MarkerBoard(),
              kind == ServerKind.OURS ? options.rtdsLayer() : "")) {
        server.awaitPort(Duration.ofMinutes(1));
        firstSnapshot(client);
        Figures problems = new Figures();
        double before = heap(server, problems);
        Figures storm = storm(server, client, options.memoryStreams(), LoadClient.Mode.SOTW, null, "6, storm");
        // The storm measured the heap with its streams open (after a full GC).
        double with = storm.get("heap after GC (MB)") * 1e6;
        client.closeStreams();
        double after = Double.NaN;
        // A server that did not answer jcmd with its streams open is thrashing: asking again costs another
        // 30 s for nothing.
        if (server.alive() && !Double.isNaN(with)) {
          awaitServerIdle(server);
          after = heap(server, problems);
        }
        // The same streams once more, against the heap once the first ones closed: by then the server has
        // built what it builds of its own after a start (the comparison's gauges for each mirrored pair,
        // about 80 MB at 5,000 pairs; what it keeps of closed streams), which is not the streams'. The
        // first storm against the heap before it counts that too, and against the heap after it, that
        // growth is taken off the streams (a negative figure, seen once).
        double again = Double.NaN;
        if (server.alive() && storm.get("streams complete") >= options.memoryStreams()) {
          Figures second = storm(server, client, options.memoryStreams(), LoadClient.Mode.SOTW, null,
              "6, storm again");
          again = second.get("heap after GC (MB)") * 1e6;
          client.closeStreams();
        }
        // Streams that never completed hold no idle state to measure (a full heap): no figure then.
        double perStream = !Double.isNaN(again) ? again - after
            : storm.get("streams complete") < options.memoryStreams() ? Double.NaN
            : with - (Double.isNaN(after) ? before : after);
        Figures figures = new Figures()
            .put("heap, no stream (MB)", before / 1e6)
            .put("heap, " + options.memoryStreams() + " streams (MB)", with / 1e6)
            .put("heap per idle stream (KB)", perStream / 1e3 / options.memoryStreams())
            .put("streams complete", storm.get("streams complete"))
            .put("all complete (s)", storm.get("all complete (s)"))
            .put("server CPU (s)", storm.get("server CPU (s)"));
        figures.note(fixture.services() + " Services, -Xmx1g, directory source; heap "
            + String.format("%.1f MB once the streams closed", after / 1e6)
            + (Double.isNaN(again) ? "" : String.format(", %.1f MB with the same streams again (per stream: the "
                + "difference); first storm against the heap before it: %.1f KB per stream", again / 1e6,
                (with - before) / 1e3 / options.memoryStreams()))
            + (storm.notes().isEmpty() ? "" : "; " + storm.notes()));
        // The storm's notes already carry an OutOfMemoryError logged during it.
        if (!figures.notes().contains("OutOfMemoryError")) {
          server.logLine("OutOfMemoryError").ifPresent(line -> figures.note("server log: " + line));
        }
        if (!problems.notes().isEmpty()) {
          figures.note(problems.notes());
        }
        results.put(6, figures);
        log.accept(kind.label() + ": memory: " + figures.values() + " " + figures.notes());
      }
    }
  }

  /**
   * Waits until the server's CPU stays under a tenth of a core for 300 ms (it has handled the streams
   * just closed), at most 10 s: the next storm then measures itself, not the last one's tail.
   */
  private static void awaitServerIdle(ServerProcess server) throws Exception {
    awaitServerIdle(server, Duration.ofSeconds(10));
  }

  /** Waits until the server used under 0.1 core for 300 ms, at most {@code max}. */
  private static void awaitServerIdle(ServerProcess server, Duration max) throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    double last = server.cpuSeconds();
    while (System.nanoTime() < deadline) {
      Thread.sleep(300);
      double now = server.cpuSeconds();
      if (now - last < 0.03) {
        return;
      }
      last = now;
    }
  }

  /** Heap after a full GC in bytes, or NaN (and a note) when the server cannot tell. */
  private static double heap(ServerProcess server, Figures figures) throws InterruptedException {
    try {
      return server.heapAfterGc();
    } catch (IOException e) {
      figures.note(e.getMessage());
      return Double.NaN;
    }
  }

  private static double seconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1e9;
  }

  @FunctionalInterface
  interface IoAction {
    void run() throws IOException;
  }
}
