package io.shadowmirroring.demo;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Injected misbehaviour, so a shadow version can be made measurably worse than production and
 * the comparison (logs, Envoy's per-cluster stats) has something to show.
 *
 * @param errorRate    share of requests, 0..1, that fail
 * @param extraLatency added to every non-health request
 * @param random       uniform in [0, 1); replaceable so tests need not rely on chance
 */
record Faults(double errorRate, Duration extraLatency, DoubleSupplier random) {

  static Faults from(AppConfig config) {
    // Looked up per call: ThreadLocalRandom.current() belongs to the thread that calls it.
    return new Faults(config.errorRate(), config.extraLatency(), () -> ThreadLocalRandom.current().nextDouble());
  }

  /** With a rate of 1 every request fails, because {@code random} never reaches 1. */
  boolean shouldFail() {
    return errorRate > 0 && random.getAsDouble() < errorRate;
  }

  void delay() throws InterruptedException {
    if (!extraLatency.isZero()) {
      Thread.sleep(extraLatency.toMillis());
    }
  }
}
