package io.shadowmirroring.xds.analysis;

import java.util.OptionalDouble;

/**
 * One side (production or shadow) of a comparison, aggregated over the window across every reporting proxy.
 *
 * @param requests completed requests in the window
 * @param ratePerSecond requests divided by the window's covered seconds
 * @param overflows requests refused by the cluster's circuit breakers (for the shadow: dropped copies)
 * @param p50Ms median latency in ms, empty without latency data
 * @param latencyFromSummaries true when no histogram buckets arrived and quantiles come from summaries
 * @param proxies how many proxies reported for this side in the window
 */
public record SideStats(
    long requests, double ratePerSecond, long responses2xx, long responses3xx, long responses4xx,
    long responses5xx, long timeouts, long connectFailures, long overflows, OptionalDouble p50Ms,
    OptionalDouble p90Ms, OptionalDouble p99Ms, boolean latencyFromSummaries, int proxies) {

  public static final SideStats EMPTY = new SideStats(0, 0, 0, 0, 0, 0, 0, 0, 0, OptionalDouble.empty(),
      OptionalDouble.empty(), OptionalDouble.empty(), false, 0);
}
