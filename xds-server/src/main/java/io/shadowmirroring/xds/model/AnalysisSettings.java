package io.shadowmirroring.xds.model;

import java.time.Duration;

/**
 * How a shadow is judged against production: the {@code shadow-mirroring.io/analysis} annotation.
 *
 * @param window the sliding window that stats are aggregated over
 * @param minRequests requests each side needs in the window before any verdict other than INSUFFICIENT_DATA
 * @param maxErrorRateIncrease how many percentage points the shadow's 5xx rate may exceed production's
 * @param maxP50Ratio the largest shadow/production ratio of the median latency
 * @param maxP99Ratio the largest shadow/production ratio of the p99 latency
 * @param confidence the confidence (0.5 to 0.9999) a two-proportion test needs before an error-rate
 *     increase counts as real rather than noise
 */
public record AnalysisSettings(
    Duration window, long minRequests, double maxErrorRateIncrease, double maxP50Ratio, double maxP99Ratio,
    double confidence) {

  public static final AnalysisSettings DEFAULT =
      new AnalysisSettings(Duration.ofMinutes(5), 200, 1.0, 1.25, 1.25, 0.98);
}
