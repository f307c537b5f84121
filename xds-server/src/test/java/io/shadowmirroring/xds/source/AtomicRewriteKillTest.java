package io.shadowmirroring.xds.source;

import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.testing.AdminWriterProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory mode's rewrite (temporary file, fsync, atomic rename) against {@code kill -9}: a real server
 * process makes admin writes one after another while this test kills it at random moments and starts it
 * again, until at least 200 writes have been acknowledged and it has been killed at least 10 times. After
 * every kill, every file is there and parses, each Service holds either its last acknowledged value or the
 * value of the one write that was in flight, the hand-written comments are kept, and the directory, read
 * as the server reads it, holds exactly the expected Services: no temporary file is taken as input.
 */
class AtomicRewriteKillTest {
  private static final int SERVICES = 3;
  private static final int WRITES = 200;
  private static final int MIN_KILLS = 10;
  private static final int MAX_RUNS = 40;
  private static final String PERCENT = MirrorAnnotations.PREFIX + "mirror-percentage";

  @TempDir Path directory;

  private Path file(int k) {
    return directory.resolve("svc-" + k + ".yaml");
  }

  @Test
  @DisplayName("kill -9 at random moments during 200 admin writes: never a half-written, lost or wrongly valued file")
  void killedDuringWrites() throws Exception {
    for (int k = 0; k < SERVICES; k++) {
      Files.writeString(file(k), "# svc-" + k + ", kept by hand\n" + documents(
          service("shadow-demo", "svc-" + k, Map.of(PERCENT, "0"), 80, "http"),
          "# a second document, untouched\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-" + k + "\n"));
    }
    Map<Integer, String> acknowledged = new HashMap<>();
    Random random = new Random(9);
    long acked = -1;
    long started = System.nanoTime();
    int kills = 0;
    int runs = 0;
    int inFlightLanded = 0;
    while ((acked + 1 < WRITES || kills < MIN_KILLS) && runs < MAX_RUNS) {
      runs++;
      long first = acked + 1;
      AtomicLong lastWrote = new AtomicLong(acked);
      Process process = start(first, lastWrote);
      CountDownLatch ready = readiness.get();
      assertThat(ready.await(60, TimeUnit.SECONDS)).as("run %d became ready", runs).isTrue();
      // Let it write for a random while, then kill -9 (SIGKILL: no shutdown hooks, no flushing).
      Thread.sleep(300 + random.nextInt(2_700));
      // SIGKILL through the process handle: Process.destroyForcibly() also closes our end of its stdout,
      // which drops the "wrote n" lines still in the pipe, so the test took writes that had landed for
      // writes in flight (a value two writes past the last one it read). The handle only signals.
      process.toHandle().destroyForcibly();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      kills++;
      // Every "wrote n" the process printed before it died must be read before the files are judged.
      drain.get().join(30_000);
      assertThat(drain.get().isAlive()).as("the killed process's output was read to its end").isFalse();
      for (long n = first; n <= lastWrote.get(); n++) {
        acknowledged.put((int) (n % SERVICES), AdminWriterProcess.percentage(n));
      }
      acked = lastWrote.get();
      long inFlight = acked + 1;
      inFlightLanded += checkFiles(acknowledged, inFlight, "run " + runs + " (writes " + first + " to " + acked
          + " acknowledged)");
    }
    long leftovers;
    try (Stream<Path> files = Files.list(directory)) {
      leftovers = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
    }
    System.out.printf("kill -9: %d kills survived over %d acknowledged admin writes (%d runs, %d s); the in-flight"
        + " write had landed after %d of the kills; %d temporary files left behind, none read%n",
        kills, acked + 1, runs, (System.nanoTime() - started) / 1_000_000_000, inFlightLanded, leftovers);
    assertThat(acked + 1).isGreaterThanOrEqualTo(WRITES);
    assertThat(kills).isGreaterThanOrEqualTo(MIN_KILLS);
  }

  /** Returns 1 when the write in flight at the kill had landed, else 0. */
  private int checkFiles(Map<Integer, String> acknowledged, long inFlight, String run) throws Exception {
    int landed = 0;
    YamlManifests manifests = new YamlManifests();
    for (int k = 0; k < SERVICES; k++) {
      assertThat(file(k)).as("svc-%d.yaml is still there", k).exists();
      String text = Files.readString(file(k));
      List<ServiceInput> services = manifests.parse(text).services();
      assertThat(services).as("svc-%d.yaml parses and holds its Service", k).hasSize(1);
      String value = services.get(0).annotations().get(PERCENT);
      String old = acknowledged.getOrDefault(k, "0");
      if (inFlight % SERVICES == k && value.equals(AdminWriterProcess.percentage(inFlight))) {
        landed = 1;
      } else {
        assertThat(value).as("after %s, svc-%d holds its last acknowledged value (or write %d's); the writer's other "
            + "output: %s", run, k, inFlight, otherOutput).isEqualTo(old);
      }
      assertThat(text).contains("# svc-" + k + ", kept by hand").contains("name: notes-" + k);
    }
    // The directory as the server reads it: temporary files left by a kill are not input.
    DirectorySource source = new DirectorySource(directory, Duration.ofSeconds(10));
    source.scan();
    assertThat(source.inventory().services()).extracting(ServiceInput::ref)
        .containsExactly(new ServiceRef("shadow-demo", "svc-0"), new ServiceRef("shadow-demo", "svc-1"),
            new ServiceRef("shadow-demo", "svc-2"));
    assertThat(source.fileErrors()).isEmpty();
    return landed;
  }

  /** The writer's stdout lines that were neither "ready" nor a write, shown when a check fails. */
  private volatile List<String> otherOutput = List.of();
  private final ThreadLocal<CountDownLatch> readiness = new ThreadLocal<>();
  private final ThreadLocal<Thread> drain = new ThreadLocal<>();

  private Process start(long first, AtomicLong lastWrote) throws Exception {
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        AdminWriterProcess.class.getName(), directory.toString(), String.valueOf(SERVICES), String.valueOf(first))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    CountDownLatch ready = new CountDownLatch(1);
    List<String> other = java.util.Collections.synchronizedList(new ArrayList<>());
    otherOutput = other;
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.equals("ready")) {
            ready.countDown();
          } else if (line.startsWith("wrote ")) {
            lastWrote.set(Long.parseLong(line.substring("wrote ".length())));
          } else {
            other.add(line);
          }
        }
      } catch (Exception e) {
        // The process was killed mid-line: what was read counts.
      }
    }, "writer-stdout");
    reader.setDaemon(true);
    reader.start();
    readiness.set(ready);
    drain.set(reader);
    return process;
  }
}
