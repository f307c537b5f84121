package io.shadowmirroring.xds.analysis;

import static io.shadowmirroring.xds.analysis.AnalysisFixtures.APP;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.ROUTE;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW_STATS;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.VHOST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter.HistogramMode;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter.Mode;
import io.shadowmirroring.xds.testing.StreamMetricsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two proxies stream their stats over real gRPC exactly as Envoy does, in every sink mode (cumulative or delta
 * counters, with or without labels, each histogram mode). Proxy A reconnects half-way (its new stream carries the
 * node on its first message only); proxy B restarts (its counters go back to 0). The window must hold exactly
 * what the proxies served after their first flush, and the percentiles must match those computed here from the
 * raw samples.
 */
class StreamMetricsMatrixTest {
  private static final int INTERVALS = 8;

  static Stream<Mode> modes() {
    List<Mode> modes = new ArrayList<>();
    for (boolean deltas : new boolean[] {false, true}) {
      for (boolean labels : new boolean[] {false, true}) {
        for (HistogramMode histograms : HistogramMode.values()) {
          modes.add(new Mode(deltas, labels, histograms));
        }
      }
    }
    return modes.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modes")
  void twoProxiesWithReconnectAndRestart(Mode mode) throws Exception {
    try (MetricsServer server = new MetricsServer()) {
      server.analysis.onBuild(AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(5), 100), SHADOW));
      EnvoyStatsEmitter a = new EnvoyStatsEmitter("proxy-a", mode).withOtherClusters(50);
      EnvoyStatsEmitter b = new EnvoyStatsEmitter("proxy-b", mode).withOtherClusters(50);
      StreamMetricsClient clientA = new StreamMetricsClient(server.channel);
      StreamMetricsClient clientB = new StreamMetricsClient(server.channel);
      List<Double> productionLatencies = new ArrayList<>();
      List<Double> shadowLatencies = new ArrayList<>();
      Random random = new Random(7);

      int sent = 0;
      clientA.send(a.flush());
      clientB.send(b.flush());
      server.awaitMessages(sent += 2);
      for (int interval = 1; interval <= INTERVALS; interval++) {
        server.clock.advance(Duration.ofSeconds(5));
        if (interval == 5) {
          clientA.finish();
          a.reconnect();
        }
        if (interval == 6) {
          clientB.finish();
          b.restart();
        }
        serve(a, false, random, productionLatencies, shadowLatencies);
        serve(b, true, random, productionLatencies, shadowLatencies);
        clientA.send(a.flush());
        clientB.send(b.flush());
        server.awaitMessages(sent += 2);
      }

      TargetComparison comparison = server.analysis.judge().compare(APP).get(0);
      int requests = INTERVALS * 2 * 40;
      SideStats production = comparison.production();
      assertThat(production.requests()).isEqualTo(requests);
      assertThat(production.responses2xx()).isEqualTo(INTERVALS * 2 * 36);
      assertThat(production.responses4xx()).isEqualTo(INTERVALS * 2 * 2);
      assertThat(production.responses5xx()).isEqualTo(INTERVALS * 2 * 2);
      assertThat(production.proxies()).isEqualTo(2);
      // Slots with data: the 8 intervals after the first flush, so 35 s up to the last flush.
      assertThat(production.ratePerSecond()).isCloseTo(requests / 35.0, within(1e-9));

      SideStats shadow = comparison.shadow();
      assertThat(shadow.requests()).as("copies answered, without the dropped ones").isEqualTo(requests);
      assertThat(shadow.responses2xx()).isEqualTo(INTERVALS * 2 * 36);
      assertThat(shadow.responses4xx()).isEqualTo(INTERVALS * 2 * 2);
      assertThat(shadow.responses5xx()).as("503s, timeouts and connect failures, not drops")
          .isEqualTo(INTERVALS * 2 * 2);
      assertThat(shadow.timeouts()).isEqualTo(INTERVALS);
      assertThat(shadow.connectFailures()).isEqualTo(INTERVALS);
      assertThat(shadow.overflows()).isEqualTo(INTERVALS * 2);
      assertThat(comparison.shadowOverloaded()).isTrue();
      assertThat(shadow.proxies()).isEqualTo(2);

      boolean summariesOnly = mode.histograms() == HistogramMode.SUMMARY;
      assertLatency(production, productionLatencies, summariesOnly);
      assertLatency(shadow, shadowLatencies, summariesOnly);
      assertThat(comparison.verdict()).as(comparison.checks().toString()).isEqualTo(Verdict.PASSING);

      // Both proxies stop reporting: their data ages out of the window.
      clientA.finish();
      clientB.finish();
      server.clock.advance(Duration.ofMinutes(5).plusSeconds(5));
      TargetComparison later = server.analysis.judge().compare(APP).get(0);
      assertThat(later.production().requests()).isZero();
      assertThat(later.shadow().proxies()).isZero();
      assertThat(later.verdict()).isEqualTo(Verdict.INSUFFICIENT_DATA);
    }
  }

  /**
   * One flush interval of one proxy: 40 requests on the mirrored route (36 OK, 2 404, 2 503) and their 40 copies
   * (the same answers, except that one 503 is a timeout on A and a connect failure on B); B's circuit breakers
   * also drop 2 copies.
   */
  private static void serve(EnvoyStatsEmitter proxy, boolean isB, Random random, List<Double> productionLatencies,
      List<Double> shadowLatencies) {
    for (int i = 0; i < 40; i++) {
      double ms = Math.round((2 + 60 * random.nextDouble() * random.nextDouble()) * 100) / 100.0;
      int code = i < 36 ? 200 : i < 38 ? 404 : 503;
      proxy.routeRequest(VHOST, ROUTE, code, ms);
      productionLatencies.add(ms);
      if (i == 39) {
        if (isB) {
          proxy.connectFailure(SHADOW_STATS);
        } else {
          proxy.timeout(SHADOW_STATS);
        }
      } else {
        double shadowMs = ms * 1.05;
        proxy.clusterRequest(SHADOW_STATS, code, shadowMs);
        shadowLatencies.add(shadowMs);
      }
    }
    if (isB) {
      proxy.pendingOverflow(SHADOW_STATS);
      proxy.pendingOverflow(SHADOW_STATS);
    }
  }

  private static void assertLatency(SideStats side, List<Double> samples, boolean summariesOnly) {
    assertThat(side.latencyFromSummaries()).isEqualTo(summariesOnly);
    double[] quantiles = {0.5, 0.9, 0.99};
    double[] actual = {side.p50Ms().orElseThrow(), side.p90Ms().orElseThrow(), side.p99Ms().orElseThrow()};
    for (int i = 0; i < quantiles.length; i++) {
      double truth = ExpectedQuantiles.empirical(samples, quantiles[i]);
      if (summariesOnly) {
        // Summaries cannot be merged exactly: the mixture of the per-flush summaries must still be close.
        assertThat(actual[i]).as("p%s from summaries vs %s", quantiles[i], truth)
            .isCloseTo(truth, within(Math.max(1.0, truth * 0.15)));
      } else {
        double expected = ExpectedQuantiles.fromBuckets(samples, EnvoyStatsEmitter.DEFAULT_BOUNDS, quantiles[i]);
        assertThat(actual[i]).as("p%s", quantiles[i]).isCloseTo(expected, within(1e-9));
        double[] bucket = ExpectedQuantiles.bucketOf(truth, EnvoyStatsEmitter.DEFAULT_BOUNDS);
        assertThat(actual[i]).as("p%s lies in the bucket of the true value %s", quantiles[i], truth)
            .isBetween(bucket[0], bucket[1]);
      }
    }
  }
}
