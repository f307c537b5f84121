package io.shadowmirroring.xds.analysis;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One scope's stats in time slots, summed over proxies as they arrive. A slot holds counter increments, merged
 * histogram buckets, summaries (only while no buckets arrive) and which proxies reported. Slots older than the
 * retention are dropped, so a proxy that stops reporting leaves the window with its last slot.
 */
final class ScopeWindow {
  /** Envoy's default stats flush interval: one flush per proxy per slot. */
  static final Duration SLOT = Duration.ofSeconds(5);

  private static final class Slot {
    final long[] counters = new long[Stat.COUNTERS];
    final LatencyHistogram histogram = new LatencyHistogram();
    boolean hasBuckets;
    final SummaryMixture summaries = new SummaryMixture();
    final Set<String> proxies = new HashSet<>(4);
  }

  private final TreeMap<Long, Slot> slots = new TreeMap<>();

  private Slot slot(Instant at) {
    return slots.computeIfAbsent(Math.floorDiv(at.toEpochMilli(), SLOT.toMillis()), i -> new Slot());
  }

  synchronized void seen(Instant at, String proxy) {
    slot(at).proxies.add(proxy);
  }

  synchronized void addCounter(Instant at, Stat stat, long increment) {
    slot(at).counters[stat.ordinal()] += increment;
  }

  synchronized void addHistogram(Instant at, double[] bounds, long[] cumulative, long samples) {
    Slot slot = slot(at);
    slot.histogram.add(bounds, cumulative, samples);
    slot.hasBuckets = true;
    // Summaries are only a fallback; with buckets in the slot they would just take memory.
    slot.summaries.clear();
  }

  synchronized void addSummary(Instant at, SummaryMixture.Summary summary) {
    Slot slot = slot(at);
    if (!slot.hasBuckets) {
      slot.summaries.add(summary);
    }
  }

  /** Everything in the slots that start within {@code window} before {@code now}. */
  synchronized WindowTotals totals(Instant now, Duration window) {
    long nowMillis = now.toEpochMilli();
    long first = Math.floorDiv(nowMillis - window.toMillis() + SLOT.toMillis() - 1, SLOT.toMillis());
    long[] counters = new long[Stat.COUNTERS];
    LatencyHistogram histogram = new LatencyHistogram();
    SummaryMixture summaries = new SummaryMixture();
    Set<String> proxies = new HashSet<>();
    boolean hasBuckets = false;
    Long earliest = null;
    for (Map.Entry<Long, Slot> entry : slots.tailMap(first, true).entrySet()) {
      Slot slot = entry.getValue();
      earliest = earliest == null ? entry.getKey() : earliest;
      for (int i = 0; i < counters.length; i++) {
        counters[i] += slot.counters[i];
      }
      histogram.addAll(slot.histogram);
      hasBuckets |= slot.hasBuckets;
      summaries.addAll(slot.summaries);
      proxies.addAll(slot.proxies);
    }
    Duration covered = earliest == null ? Duration.ZERO
        : Duration.ofMillis(Math.max(0, nowMillis - earliest * SLOT.toMillis()));
    return new WindowTotals(counters, hasBuckets ? histogram : null, summaries, proxies.size(),
        covered.compareTo(window) > 0 ? window : covered);
  }

  /** Drops slots older than {@code retention}; true when nothing is left. */
  synchronized boolean prune(Instant now, Duration retention) {
    long first = Math.floorDiv(now.toEpochMilli() - retention.toMillis(), SLOT.toMillis());
    Iterator<Long> keys = slots.headMap(first, false).keySet().iterator();
    while (keys.hasNext()) {
      keys.next();
      keys.remove();
    }
    return slots.isEmpty();
  }
}
