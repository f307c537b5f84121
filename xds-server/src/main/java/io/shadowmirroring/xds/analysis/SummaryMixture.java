package io.shadowmirroring.xds.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Latency from summaries, used only when no histogram buckets arrive. Quantiles cannot be merged, so each
 * summary (one proxy, one flush) is read as a piecewise-linear distribution through its quantile points, the
 * distributions are mixed in proportion to their sample counts, and the mixture is inverted. With one summary
 * this gives back its own quantiles; with several it is an approximation, and the verdict says so.
 */
final class SummaryMixture {
  record Summary(long samples, double[] quantiles, double[] values) {}

  private final List<Summary> summaries = new ArrayList<>();

  void add(Summary summary) {
    summaries.add(summary);
  }

  void addAll(SummaryMixture other) {
    summaries.addAll(other.summaries);
  }

  void clear() {
    summaries.clear();
  }

  long samples() {
    return summaries.stream().mapToLong(Summary::samples).sum();
  }

  OptionalDouble quantile(double q) {
    long total = samples();
    if (total == 0) {
      return OptionalDouble.empty();
    }
    double low = Double.MAX_VALUE;
    double high = 0;
    for (Summary summary : summaries) {
      low = Math.min(low, summary.values()[0]);
      high = Math.max(high, summary.values()[summary.values().length - 1]);
    }
    if (fraction(low, total) >= q) {
      return OptionalDouble.of(low);
    }
    for (int i = 0; i < 100 && high - low > 1e-9 * Math.max(1, high); i++) {
      double middle = (low + high) / 2;
      if (fraction(middle, total) >= q) {
        high = middle;
      } else {
        low = middle;
      }
    }
    return OptionalDouble.of(high);
  }

  /** The share of all samples at or below {@code x}. */
  private double fraction(double x, long total) {
    double weighted = 0;
    for (Summary summary : summaries) {
      weighted += summary.samples() * cdf(summary, x);
    }
    return weighted / total;
  }

  private static double cdf(Summary summary, double x) {
    double[] q = summary.quantiles();
    double[] v = summary.values();
    if (x < v[0]) {
      return 0;
    }
    for (int i = v.length - 1; i >= 0; i--) {
      if (x >= v[i]) {
        if (i == v.length - 1 || v[i + 1] == v[i]) {
          return q[i];
        }
        return q[i] + (q[i + 1] - q[i]) * (x - v[i]) / (v[i + 1] - v[i]);
      }
    }
    return 0;
  }
}
