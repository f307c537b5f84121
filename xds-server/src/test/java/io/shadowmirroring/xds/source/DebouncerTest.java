package io.shadowmirroring.xds.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DebouncerTest {

  @Test
  @DisplayName("a burst of events becomes one run")
  void foldsBursts() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    try (Debouncer debouncer = new Debouncer("test", Duration.ofMillis(100), Duration.ofSeconds(5), runs::incrementAndGet)) {
      for (int i = 0; i < 50; i++) {
        debouncer.trigger();
      }
      Thread.sleep(400);
    }
    assertThat(runs).hasValue(1);
  }

  @Test
  @DisplayName("a steady stream of events still runs the action by the maximum delay")
  void boundedDelay() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    try (Debouncer debouncer = new Debouncer("test", Duration.ofMillis(100), Duration.ofMillis(300), runs::incrementAndGet)) {
      // One event every 20 ms for 1 s: the 100 ms window alone would never close.
      for (int i = 0; i < 50; i++) {
        debouncer.trigger();
        Thread.sleep(20);
      }
      assertThat(runs.get()).isBetween(2, 5);
    }
  }

  @Test
  @DisplayName("a run that starts while a trigger replaces it leaves the replacement pending")
  void runKeepsTheRunThatReplacedIt() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    String thread = "debouncer-race";
    try (Debouncer debouncer = new Debouncer(thread, Duration.ofSeconds(30), Duration.ofSeconds(60),
        runs::incrementAndGet)) {
      // Holding the debouncer's monitor parks the run right after it started, before it clears pending:
      // exactly the moment at which a trigger can no longer cancel it.
      synchronized (debouncer) {
        debouncer.runNow();
        awaitBlocked(thread);
        debouncer.trigger();
      }
      for (int i = 0; i < 500 && runs.get() == 0; i++) {
        Thread.sleep(10);
      }
      assertThat(runs).as("the run that had started").hasValue(1);
      assertThat(debouncer.hasPendingRun()).as("the trigger's run is still pending").isTrue();
    }
  }

  private static void awaitBlocked(String threadName) throws InterruptedException {
    for (int i = 0; i < 500; i++) {
      boolean blocked = Thread.getAllStackTraces().keySet().stream()
          .anyMatch(t -> t.getName().equals(threadName) && t.getState() == Thread.State.BLOCKED);
      if (blocked) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the debouncer thread never reached its run");
  }
}
