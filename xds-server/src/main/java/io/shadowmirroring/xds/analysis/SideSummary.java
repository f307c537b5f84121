package io.shadowmirroring.xds.analysis;

import java.util.OptionalDouble;

/**
 * A side's window totals read for the comparison: the public {@link SideStats} plus what the checks need.
 *
 * @param errors 5xx responses that count as errors (for the shadow: without its dropped copies)
 * @param latencySamples samples behind the percentiles
 */
record SideSummary(SideStats stats, long errors, long latencySamples) {

  /**
   * Reads a window. Envoy charges an upstream timeout as a 504 and a connect failure or reset as a 503
   * ({@code Filter::onUpstreamTimeout}, {@code Filter::onUpstreamReset} in source/common/router/router.cc), so
   * 5xx already holds them. A copy refused by the circuit breakers is charged as a 503 too (with
   * {@code dropped}); for the shadow those are taken out of its requests and 5xx and reported as overflows.
   */
  static SideSummary of(WindowTotals totals, boolean shadow) {
    long classes = 0;
    for (Stat stat : new Stat[] {Stat.CLASS_1XX, Stat.CLASS_2XX, Stat.CLASS_3XX, Stat.CLASS_4XX, Stat.CLASS_5XX}) {
      classes += totals.get(stat);
    }
    long completed = Math.max(totals.get(Stat.COMPLETED), classes);
    long overflows = totals.get(Stat.PENDING_OVERFLOW);
    long dropped = shadow ? overflows : 0;
    long requests = Math.max(0, completed - dropped);
    long errors = Math.max(0, totals.get(Stat.CLASS_5XX) - dropped);
    double seconds = totals.covered().toMillis() / 1000.0;

    OptionalDouble p50 = OptionalDouble.empty();
    OptionalDouble p90 = OptionalDouble.empty();
    OptionalDouble p99 = OptionalDouble.empty();
    long samples = 0;
    boolean fromSummaries = false;
    if (totals.histogram() != null && totals.histogram().samples() > 0) {
      samples = totals.histogram().samples();
      p50 = totals.histogram().quantile(0.5);
      p90 = totals.histogram().quantile(0.9);
      p99 = totals.histogram().quantile(0.99);
    } else if (totals.histogram() == null && totals.summaries().samples() > 0) {
      samples = totals.summaries().samples();
      p50 = totals.summaries().quantile(0.5);
      p90 = totals.summaries().quantile(0.9);
      p99 = totals.summaries().quantile(0.99);
      fromSummaries = true;
    }
    SideStats stats = new SideStats(requests, seconds > 0 ? requests / seconds : 0, totals.get(Stat.CLASS_2XX),
        totals.get(Stat.CLASS_3XX), totals.get(Stat.CLASS_4XX), errors, totals.get(Stat.TIMEOUT),
        totals.get(Stat.CONNECT_FAIL), overflows, p50, p90, p99, fromSummaries, totals.proxies());
    return new SideSummary(stats, errors, samples);
  }

  double errorRate() {
    return stats.requests() == 0 ? 0 : (double) errors / stats.requests();
  }
}
