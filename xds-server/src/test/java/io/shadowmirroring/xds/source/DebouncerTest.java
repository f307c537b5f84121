package io.shadowmirroring.xds.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The debouncer as a table: event times in, run start times out, on a virtual clock (window 100 ms,
 * maximum delay 1 s; a run takes the row's run time), so nothing depends on how busy the machine is.
 */
class DebouncerTest {
  private static final Duration WINDOW = Duration.ofMillis(100);
  private static final Duration MAX_DELAY = Duration.ofSeconds(1);

  static Stream<Arguments> timings() {
    return Stream.of(
        row("an isolated event runs at once", events(0), 0, runs(0)),
        row("a burst of cheap runs: the first event runs at once, the rest together a window after the burst began",
            events(0, 10, 20, 30, 99), 0, runs(0, 110)),
        row("a burst after a slow run (100 ms) folds for three times that: each event pushes the run back a "
            + "window, up to 300 ms after the burst began", events(0, 150, 200, 280, 360, 440), 100, runs(0, 450)),
        row("events a window apart each run at once", events(0, 100, 250), 0, runs(0, 100, 250)),
        row("an event soon after a run waits a window", events(0, 50, 150), 0, runs(0, 150, 250)),
        row("a steady stream (every 20 ms for 2 s) of cheap runs: a run a window after each burst began",
            IntStream.range(0, 100).map(i -> i * 20).toArray(), 0,
            IntStream.concat(IntStream.of(0), IntStream.rangeClosed(0, 19).map(i -> 120 + 100 * i)).toArray()),
        row("a steady stream of slow runs (60 ms): each burst folded for three times a run, never starved",
            IntStream.range(0, 50).map(i -> i * 20).toArray(), 60, runs(0, 240, 480, 720, 960, 1120)),
        row("runs slower than a third of the maximum delay (500 ms): a burst folded for the maximum delay, 1 s",
            IntStream.concat(IntStream.of(0), IntStream.range(0, 12).map(i -> 550 + 90 * i)).toArray(), 500,
            runs(0, 1550)),
        row("events during a slow run (150 ms) get one run after it", events(0, 10, 140), 150, runs(0, 250)),
        row("an event after a long quiet period runs at once", events(0, 5000), 0, runs(0, 5000)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("timings")
  void runsAtTheseTimes(String name, int[] eventMillis, int runMillis, int[] expectedRunMillis) {
    VirtualScheduler scheduler = new VirtualScheduler();
    List<Long> starts = new ArrayList<>();
    try (Debouncer debouncer = new Debouncer(scheduler, WINDOW, MAX_DELAY, () -> {
      starts.add(scheduler.now / 1_000_000);
      scheduler.now += runMillis * 1_000_000L;
    })) {
      for (int event : eventMillis) {
        scheduler.runUntil(event * 1_000_000L);
        debouncer.trigger();
      }
      scheduler.runUntil(Long.MAX_VALUE / 2);
    }
    assertThat(starts).containsExactlyElementsOf(IntStream.of(expectedRunMillis).mapToObj(i -> (long) i).toList());
  }

  @Test
  @DisplayName("one slow run (600 ms) among cheap ones folds the next burst for three times the average "
      + "(450 ms), not for the maximum delay")
  void oneSlowRunIsAveraged() {
    VirtualScheduler scheduler = new VirtualScheduler();
    List<Long> starts = new ArrayList<>();
    int[] runMillis = {0, 600};
    try (Debouncer debouncer = new Debouncer(scheduler, WINDOW, MAX_DELAY, () -> {
      starts.add(scheduler.now / 1_000_000);
      scheduler.now += (starts.size() <= runMillis.length ? runMillis[starts.size() - 1] : 0) * 1_000_000L;
    })) {
      debouncer.trigger();
      scheduler.runUntil(500_000_000L);
      debouncer.trigger();
      for (long event = 1150; event <= 1550; event += 50) {
        scheduler.runUntil(event * 1_000_000L);
        debouncer.trigger();
      }
      scheduler.runUntil(Long.MAX_VALUE / 2);
    }
    assertThat(starts).containsExactly(0L, 500L, 1600L);
  }

  @Test
  @DisplayName("runNow does not take the place of a scheduled run: events still join the scheduled one")
  void runNowLeavesTheScheduledRun() {
    VirtualScheduler scheduler = new VirtualScheduler();
    List<Long> starts = new ArrayList<>();
    try (Debouncer debouncer = new Debouncer(scheduler, WINDOW, MAX_DELAY, () -> starts.add(scheduler.now / 1_000_000))) {
      debouncer.trigger();
      scheduler.runUntil(0);
      scheduler.runUntil(10_000_000L);
      debouncer.trigger();
      assertThat(debouncer.hasPendingRun()).isTrue();
      debouncer.runNow();
      scheduler.runUntil(20_000_000L);
      assertThat(debouncer.hasPendingRun()).as("the triggered run is still pending").isTrue();
      debouncer.trigger();
      scheduler.runUntil(Long.MAX_VALUE / 2);
    }
    assertThat(starts).containsExactly(0L, 10L, 110L);
  }

  @Test
  @DisplayName("on real threads, an event during a run gets a run after it")
  void eventDuringARunOnRealThreads() throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch secondRun = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    try (Debouncer debouncer = new Debouncer("debouncer-test", Duration.ofMillis(10), Duration.ofMillis(10), () -> {
      if (runs.incrementAndGet() == 1) {
        firstStarted.countDown();
        await(release);
      } else {
        secondRun.countDown();
      }
    })) {
      debouncer.trigger();
      assertThat(firstStarted.await(30, TimeUnit.SECONDS)).isTrue();
      debouncer.trigger();
      debouncer.trigger();
      release.countDown();
      assertThat(secondRun.await(30, TimeUnit.SECONDS)).as("the run after the first").isTrue();
    }
    assertThat(runs).hasValue(2);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Arguments row(String name, int[] events, int runMillis, int[] runs) {
    return Arguments.of(name, events, runMillis, runs);
  }

  private static int[] events(int... millis) {
    return millis;
  }

  private static int[] runs(int... millis) {
    return millis;
  }

  /**
   * One virtual thread of tasks in time order; a task that advances {@code now} (a slow run) delays the
   * tasks due meanwhile, as a single-thread executor would.
   */
  private static final class VirtualScheduler implements Debouncer.Scheduler {
    private record Task(long due, long order, Runnable task) {}

    private final PriorityQueue<Task> queue = new PriorityQueue<>(
        (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private long order;
    long now;

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
      queue.add(new Task(now + delayNanos, order++, task));
    }

    void runUntil(long time) {
      while (!queue.isEmpty() && queue.peek().due <= time) {
        Task next = queue.poll();
        now = Math.max(now, next.due);
        next.task.run();
      }
      now = Math.max(now, time);
    }

    @Override
    public void close() {}
  }
}
