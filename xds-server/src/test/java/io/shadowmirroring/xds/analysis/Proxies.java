package io.shadowmirroring.xds.analysis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import io.shadowmirroring.xds.testing.TestClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Proxies feeding the ingest directly (the wire format, without gRPC), and the judge reading it. */
final class Proxies {
  static final EnvoyStatsEmitter.Mode DEFAULT_MODE =
      new EnvoyStatsEmitter.Mode(false, false, EnvoyStatsEmitter.HistogramMode.SUMMARY_AND_HISTOGRAM);

  final TestClock clock = new TestClock();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  final MetricsIngest ingest = new MetricsIngest(clock, meters);
  final ComparisonJudge judge = new ComparisonJudge(ingest, clock);
  private final Map<EnvoyStatsEmitter, MetricsStream> streams = new HashMap<>();

  Proxies(AnalysisSettings settings, ClusterRef... targets) {
    ingest.plan(StatPlan.from(AnalysisFixtures.build(settings, targets)));
  }

  Proxies(long minRequests) {
    this(AnalysisFixtures.settings(Duration.ofMinutes(5), minRequests), AnalysisFixtures.SHADOW);
  }

  /** A proxy that has sent its first flush (its baseline). */
  EnvoyStatsEmitter proxy(String id, EnvoyStatsEmitter.Mode mode) {
    EnvoyStatsEmitter proxy = new EnvoyStatsEmitter(id, mode).withOtherClusters(20);
    flush(proxy);
    return proxy;
  }

  EnvoyStatsEmitter proxy(String id) {
    return proxy(id, DEFAULT_MODE);
  }

  void flush(EnvoyStatsEmitter proxy) {
    ingest.accept(streams.computeIfAbsent(proxy, p -> ingest.open()), proxy.flush().toByteArray());
  }

  /** Moves the clock to the next flush interval and flushes every proxy. */
  void flushAll(EnvoyStatsEmitter... proxies) {
    clock.advance(Duration.ofSeconds(5));
    for (EnvoyStatsEmitter proxy : proxies) {
      flush(proxy);
    }
  }

  TargetComparison comparison() {
    List<TargetComparison> comparisons = judge.compare(AnalysisFixtures.APP);
    return comparisons.get(0);
  }

  Check check(TargetComparison comparison, String metric) {
    return comparison.checks().stream().filter(c -> c.metric().equals(metric)).findFirst().orElseThrow();
  }
}
