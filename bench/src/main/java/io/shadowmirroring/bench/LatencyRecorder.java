package io.shadowmirroring.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Propagation times (change written → response carrying it, per stream) as millisecond histograms, one
 * per window of change times, so that a growing backlog shows as later windows getting slower.
 * Thread-safe; recording is two atomic adds.
 */
public final class LatencyRecorder {
  static final int MAX_MS = 60_000;

  private final long startNanos;
  private final long windowNanos;
  private final AtomicLongArray[] windows;
  private final AtomicLong maxNanos = new AtomicLong();

  /** One window: a single change, or a summary without a time course. */
  public LatencyRecorder() {
    this(System.nanoTime(), Long.MAX_VALUE / 4, 1);
  }

  public LatencyRecorder(long startNanos, long windowNanos, int windowCount) {
    this.startNanos = startNanos;
    this.windowNanos = windowNanos;
    this.windows = new AtomicLongArray[windowCount];
    for (int i = 0; i < windowCount; i++) {
      windows[i] = new AtomicLongArray(MAX_MS + 2);
    }
  }

  public void record(long changeNanos, long latencyNanos) {
    int window = (int) Math.max(0, Math.min(windows.length - 1, (changeNanos - startNanos) / windowNanos));
    int ms = (int) Math.max(0, Math.min(MAX_MS + 1, latencyNanos / 1_000_000));
    windows[window].incrementAndGet(ms);
    maxNanos.accumulateAndGet(latencyNanos, Math::max);
  }

  /** Adds what {@code other} recorded, all of it to this recorder's first window. */
  public void addAll(LatencyRecorder other) {
    for (AtomicLongArray window : other.windows) {
      for (int i = 0; i < window.length(); i++) {
        long count = window.get(i);
        if (count > 0) {
          windows[0].addAndGet(i, count);
        }
      }
    }
    maxNanos.accumulateAndGet(other.maxNanos.get(), Math::max);
  }

  /** Count, p50, p99 (1 ms buckets, upper bound) and max, in milliseconds. */
  public record Summary(long count, double p50, double p99, double max) {
    public static final Summary EMPTY = new Summary(0, Double.NaN, Double.NaN, Double.NaN);
  }

  public Summary summary() {
    long[] total = new long[MAX_MS + 2];
    for (AtomicLongArray window : windows) {
      for (int i = 0; i < total.length; i++) {
        total[i] += window.get(i);
      }
    }
    return summarize(total, maxNanos.get() / 1e6);
  }

  /** One summary per window (max is the window's bucket bound, not exact). */
  public List<Summary> perWindow() {
    List<Summary> result = new ArrayList<>();
    for (AtomicLongArray window : windows) {
      long[] counts = new long[MAX_MS + 2];
      int top = -1;
      for (int i = 0; i < counts.length; i++) {
        counts[i] = window.get(i);
        if (counts[i] > 0) {
          top = i;
        }
      }
      result.add(summarize(counts, top + 1));
    }
    return result;
  }

  private static Summary summarize(long[] counts, double max) {
    long count = 0;
    for (long c : counts) {
      count += c;
    }
    if (count == 0) {
      return Summary.EMPTY;
    }
    return new Summary(count, percentile(counts, count, 0.50), percentile(counts, count, 0.99), max);
  }

  private static double percentile(long[] counts, long count, double q) {
    long rank = (long) Math.ceil(q * count);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return i + 1;
      }
    }
    return counts.length;
  }
}
