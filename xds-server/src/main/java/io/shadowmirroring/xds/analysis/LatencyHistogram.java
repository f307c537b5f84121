package io.shadowmirroring.xds.analysis;

import java.util.Arrays;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Latency samples merged from many flushes and proxies, as counts per bucket (not cumulative). Envoy sends each
 * flush's histogram with cumulative counts at the bounds of {@code HistogramStatisticsImpl::supportedBuckets}
 * (source/common/stats/histogram_impl.cc) and without a +Inf bucket; the samples above the last bound are
 * {@code sample_count} minus the last cumulative count.
 */
final class LatencyHistogram {
  private double[] bounds = new double[0];
  private long[] counts = new long[0];
  private long aboveLastBound;

  /** Adds one flush: cumulative counts per bound and the total sample count. */
  void add(double[] newBounds, long[] cumulative, long samples) {
    long[] perBucket = new long[cumulative.length];
    for (int i = 0; i < cumulative.length; i++) {
      perBucket[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
    }
    long above = samples - (cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1]);
    merge(newBounds, perBucket, above);
  }

  void addAll(LatencyHistogram other) {
    merge(other.bounds, other.counts, other.aboveLastBound);
  }

  private void merge(double[] otherBounds, long[] otherCounts, long otherAbove) {
    if (Arrays.equals(bounds, otherBounds)) {
      for (int i = 0; i < counts.length; i++) {
        counts[i] += otherCounts[i];
      }
      aboveLastBound += otherAbove;
      return;
    }
    if (bounds.length == 0 && counts.length == 0 && aboveLastBound == 0) {
      bounds = otherBounds.clone();
      counts = otherCounts.clone();
      aboveLastBound = otherAbove;
      return;
    }
    // Proxies with other bucket settings: keep every bound; each count stays at its own upper bound.
    TreeMap<Double, Long> merged = new TreeMap<>();
    for (int i = 0; i < bounds.length; i++) {
      merged.merge(bounds[i], counts[i], Long::sum);
    }
    for (int i = 0; i < otherBounds.length; i++) {
      merged.merge(otherBounds[i], otherCounts[i], Long::sum);
    }
    bounds = merged.keySet().stream().mapToDouble(Double::doubleValue).toArray();
    counts = merged.values().stream().mapToLong(Long::longValue).toArray();
    aboveLastBound += otherAbove;
  }

  long samples() {
    long total = aboveLastBound;
    for (long count : counts) {
      total += count;
    }
    return total;
  }

  /**
   * The {@code q} quantile, interpolated linearly inside the bucket that holds rank {@code q * samples} (the
   * rule of Prometheus' {@code histogram_quantile}); the first bucket starts at 0 ms. A rank above the last
   * bound gives the last bound. Empty without samples.
   */
  OptionalDouble quantile(double q) {
    long total = samples();
    if (total == 0) {
      return OptionalDouble.empty();
    }
    double rank = q * total;
    long below = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] > 0 && below + counts[i] >= rank) {
        double lower = i == 0 ? 0 : bounds[i - 1];
        return OptionalDouble.of(lower + (bounds[i] - lower) * Math.max(0, rank - below) / counts[i]);
      }
      below += counts[i];
    }
    return OptionalDouble.of(bounds.length == 0 ? 0 : bounds[bounds.length - 1]);
  }
}
