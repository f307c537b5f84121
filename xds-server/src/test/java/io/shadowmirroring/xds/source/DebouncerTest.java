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
}
