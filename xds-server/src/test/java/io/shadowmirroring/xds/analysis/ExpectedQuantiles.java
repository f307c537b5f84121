package io.shadowmirroring.xds.analysis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Percentiles computed from the raw samples the test made, independently of the server: the samples are
 * sorted, counted at each bound by binary search, and the rank {@code q * n} is interpolated inside its bucket
 * (the histogram_quantile rule the server is documented to use).
 */
final class ExpectedQuantiles {
  private ExpectedQuantiles() {}

  static double fromBuckets(List<Double> samples, double[] bounds, double q) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    double rank = q * sorted.size();
    long previousCount = 0;
    double previousBound = 0;
    for (double bound : bounds) {
      long count = countAtOrBelow(sorted, bound);
      if (count >= rank && count > previousCount) {
        return previousBound + (bound - previousBound) * (rank - previousCount) / (count - previousCount);
      }
      previousCount = count;
      previousBound = bound;
    }
    return bounds[bounds.length - 1];
  }

  /** The sample of rank {@code ceil(q * n)}: the true empirical quantile. */
  static double empirical(List<Double> samples, double q) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    return sorted.get(Math.max(0, (int) Math.ceil(q * sorted.size()) - 1));
  }

  /** The bounds of the bucket holding {@code value}: {@code [lower, upper]}. */
  static double[] bucketOf(double value, double[] bounds) {
    double lower = 0;
    for (double bound : bounds) {
      if (value <= bound) {
        return new double[] {lower, bound};
      }
      lower = bound;
    }
    return new double[] {lower, Double.POSITIVE_INFINITY};
  }

  private static long countAtOrBelow(List<Double> sorted, double bound) {
    int low = 0;
    int high = sorted.size();
    while (low < high) {
      int middle = (low + high) >>> 1;
      if (sorted.get(middle) <= bound) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return low;
  }
}
