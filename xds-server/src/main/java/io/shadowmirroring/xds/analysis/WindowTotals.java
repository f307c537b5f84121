package io.shadowmirroring.xds.analysis;

import java.time.Duration;

/**
 * One scope's stats summed over a window and over every proxy.
 *
 * @param counters increments per counter {@link Stat}, by ordinal
 * @param histogram the merged buckets, null when no proxy sent buckets in the window
 * @param summaries the summaries, for when no buckets arrived
 * @param covered how much of the window has data: from the first slot with data to now
 */
record WindowTotals(long[] counters, LatencyHistogram histogram, SummaryMixture summaries, int proxies,
    Duration covered) {

  long get(Stat stat) {
    return counters[stat.ordinal()];
  }
}
