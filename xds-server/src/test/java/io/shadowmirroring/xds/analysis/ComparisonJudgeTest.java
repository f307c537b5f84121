package io.shadowmirroring.xds.analysis;

import static io.shadowmirroring.xds.analysis.AnalysisFixtures.CANARY;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.CANARY_STATS;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.ROUTE;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW_STATS;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.VHOST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.prometheus.client.Metrics;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every verdict path, on stats sent as Envoy sends them. */
class ComparisonJudgeTest {

  /** {@code n} requests on the mirrored route and their copies, with the given codes and latencies. */
  private static void traffic(EnvoyStatsEmitter proxy, int n, int productionErrors, int shadowErrors,
      double productionMs, double shadowMs) {
    for (int i = 0; i < n; i++) {
      proxy.routeRequest(VHOST, ROUTE, i < productionErrors ? 503 : 200, productionMs + (i % 10) * 0.1);
      proxy.clusterRequest(SHADOW_STATS, i < shadowErrors ? 503 : 200, shadowMs + (i % 10) * 0.1);
    }
  }

  @Test
  @DisplayName("fewer than min-requests on a side: INSUFFICIENT_DATA, with both sample sizes in the reason")
  void insufficientData() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    traffic(proxy, 150, 0, 30, 10, 10);
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    assertThat(comparison.verdict()).isEqualTo(Verdict.INSUFFICIENT_DATA);
    Check requests = proxies.check(comparison, "requests");
    assertThat(requests.ok()).isFalse();
    assertThat(requests.reason()).contains("150", "200 needed");
    assertThat(proxies.check(comparison, "5xx rate").reason()).startsWith("not judged");
    assertThat(proxies.check(comparison, "p99 latency").reason()).startsWith("not judged");
  }

  @Test
  @DisplayName("one 5xx in 40 requests against none is above the threshold but not significant: PASSING")
  void smallSampleDoesNotFail() {
    Proxies proxies = new Proxies(40);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    traffic(proxy, 40, 0, 1, 10, 10);
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    Check errors = proxies.check(comparison, "5xx rate");
    assertThat(errors.delta()).isEqualTo("+2.50 pp");
    assertThat(errors.ok()).isTrue();
    assertThat(errors.reason()).contains("1 of 40 vs 0 of 40", "does not rule out noise", "z=1.01", "2.05 needed");
    assertThat(comparison.verdict()).isEqualTo(Verdict.PASSING);
  }

  @Test
  @DisplayName("a significant error-rate increase above the threshold: FAILING")
  void errorRateFails() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    traffic(proxy, 400, 0, 20, 10, 10);
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    Check errors = proxies.check(comparison, "5xx rate");
    assertThat(errors.ok()).isFalse();
    assertThat(errors.production()).isEqualTo("0.00%");
    assertThat(errors.shadow()).isEqualTo("5.00%");
    assertThat(errors.threshold()).contains("+1.00 pp", "98.00%");
    assertThat(errors.reason()).contains("20 of 400 vs 0 of 400", "significant");
    assertThat(comparison.verdict()).isEqualTo(Verdict.FAILING);
  }

  @Test
  @DisplayName("an error-rate increase within the threshold passes even when significant")
  void errorRateWithinThreshold() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    traffic(proxy, 2000, 20, 30, 10, 10);
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    assertThat(proxies.check(comparison, "5xx rate").reason()).contains("within 1.00 pp");
    assertThat(comparison.verdict()).isEqualTo(Verdict.PASSING);
  }

  @Test
  @DisplayName("a shadow whose tail is slower fails on p99 while its median passes")
  void p99Fails() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    for (int i = 0; i < 400; i++) {
      proxy.routeRequest(VHOST, ROUTE, 200, 20);
      proxy.clusterRequest(SHADOW_STATS, 200, i % 20 == 0 ? 400 : 20);
    }
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    assertThat(proxies.check(comparison, "p50 latency").ok()).isTrue();
    Check p99 = proxies.check(comparison, "p99 latency");
    assertThat(p99.ok()).isFalse();
    assertThat(p99.reason()).contains("more than the x1.25 allowed", "400 shadow and 400 production samples",
        "merged histograms");
    assertThat(comparison.verdict()).isEqualTo(Verdict.FAILING);
  }

  @Test
  @DisplayName("a shadow twice as slow fails on p50")
  void p50Fails() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    traffic(proxy, 400, 0, 0, 12, 30);
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    Check p50 = proxies.check(comparison, "p50 latency");
    assertThat(p50.ok()).isFalse();
    assertThat(p50.delta()).startsWith("x");
    assertThat(comparison.verdict()).isEqualTo(Verdict.FAILING);
  }

  @Test
  @DisplayName("a sub-millisecond difference never fails, whatever the ratio")
  void subMillisecondDifferencePasses() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    for (int i = 0; i < 400; i++) {
      proxy.routeRequest(VHOST, ROUTE, 200, 0.2);
      proxy.clusterRequest(SHADOW_STATS, 200, 0.8);
    }
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    assertThat(proxies.check(comparison, "p50 latency").reason()).contains("below the 1.00 ms resolution");
    assertThat(comparison.verdict()).isEqualTo(Verdict.PASSING);
  }

  @Test
  @DisplayName("copies dropped by the circuit breakers mark the shadow overloaded and are not errors")
  void droppedCopiesAreNotErrors() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    traffic(proxy, 400, 0, 0, 10, 10);
    for (int i = 0; i < 150; i++) {
      proxy.pendingOverflow(SHADOW_STATS);
    }
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    assertThat(comparison.shadowOverloaded()).isTrue();
    assertThat(comparison.shadow().overflows()).isEqualTo(150);
    assertThat(comparison.shadow().responses5xx()).isZero();
    assertThat(comparison.shadow().requests()).isEqualTo(400);
    assertThat(proxies.check(comparison, "dropped copies").reason()).contains("overloaded", "not counted");
    assertThat(comparison.verdict()).isEqualTo(Verdict.PASSING);
  }

  @Test
  @DisplayName("without histogram buckets the latency comes from summaries, and the verdict says so")
  void summariesAreApproximate() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a",
        new EnvoyStatsEmitter.Mode(false, false, EnvoyStatsEmitter.HistogramMode.SUMMARY));
    traffic(proxy, 400, 0, 0, 10, 10);
    proxies.flushAll(proxy);

    TargetComparison comparison = proxies.comparison();
    assertThat(comparison.shadow().latencyFromSummaries()).isTrue();
    assertThat(comparison.shadow().p50Ms().orElseThrow()).isCloseTo(10.45, within(0.01));
    assertThat(proxies.check(comparison, "p50 latency").reason()).contains("approximate", "summaries");
  }

  @Test
  @DisplayName("enough requests but too few latency samples: latency is not judged, INSUFFICIENT_DATA")
  void latencyNotJudged() {
    Proxies proxies = new Proxies(200);
    // A proxy whose sink drops histograms (a stats_matcher, say): counters only.
    StreamMetricsMessage.Builder message = StreamMetricsMessage.newBuilder();
    message.getIdentifierBuilder().setNode(Node.newBuilder().setId("counters-only"));
    MetricsStream stream = proxies.ingest.open();
    for (int flush = 0; flush < 3; flush++) {
      long value = flush * 300L;
      StreamMetricsMessage.Builder flushMessage = flush == 0 ? message : StreamMetricsMessage.newBuilder();
      for (String name : List.of("vhost." + VHOST + ".route." + ROUTE, "cluster." + SHADOW_STATS)) {
        flushMessage.addEnvoyMetrics(counter(name + ".upstream_rq_completed", value + 1));
        flushMessage.addEnvoyMetrics(counter(name + ".upstream_rq_2xx", value + 1));
      }
      for (int i = 0; i < 10; i++) {
        flushMessage.addEnvoyMetrics(counter("cluster.other_" + i + ".upstream_cx_total", 1));
      }
      proxies.clock.advance(Duration.ofSeconds(5));
      proxies.ingest.accept(stream, flushMessage.build().toByteArray());
    }

    TargetComparison comparison = proxies.comparison();
    assertThat(comparison.production().requests()).isEqualTo(600);
    assertThat(proxies.check(comparison, "p50 latency").reason()).contains("too few latency samples");
    assertThat(comparison.verdict()).isEqualTo(Verdict.INSUFFICIENT_DATA);
  }

  @Test
  @DisplayName("verdictSince stays while the verdict holds and moves when it changes")
  void verdictSince() {
    Proxies proxies = new Proxies(200);
    EnvoyStatsEmitter proxy = proxies.proxy("a");
    traffic(proxy, 400, 0, 0, 10, 10);
    proxies.flushAll(proxy);
    Instant passingSince = proxies.clock.instant();
    assertThat(proxies.comparison().verdict()).isEqualTo(Verdict.PASSING);

    traffic(proxy, 400, 0, 0, 10, 10);
    proxies.flushAll(proxy);
    assertThat(proxies.comparison().verdictSince()).isEqualTo(passingSince);

    traffic(proxy, 400, 0, 200, 10, 10);
    proxies.flushAll(proxy);
    TargetComparison failing = proxies.comparison();
    assertThat(failing.verdict()).isEqualTo(Verdict.FAILING);
    assertThat(failing.verdictSince()).isEqualTo(proxies.clock.instant());
  }

  @Test
  @DisplayName("each target of a Service is judged on its own mirror cluster, in order")
  void twoTargets() {
    Proxies proxies = new Proxies(AnalysisFixtures.settings(Duration.ofMinutes(5), 100), SHADOW, CANARY);
    EnvoyStatsEmitter proxy = proxies.proxy("a",
        new EnvoyStatsEmitter.Mode(true, true, EnvoyStatsEmitter.HistogramMode.HISTOGRAM));
    for (int i = 0; i < 200; i++) {
      proxy.routeRequest(VHOST, ROUTE, 200, 10);
      proxy.clusterRequest(SHADOW_STATS, 200, 10);
      proxy.clusterRequest(CANARY_STATS, i < 100 ? 500 : 200, 10);
    }
    proxies.flushAll(proxy);

    List<TargetComparison> comparisons = proxies.judge.compare(AnalysisFixtures.APP);
    assertThat(comparisons).extracting(TargetComparison::target).containsExactly(CANARY, SHADOW);
    assertThat(comparisons).extracting(TargetComparison::verdict).containsExactly(Verdict.FAILING, Verdict.PASSING);
    assertThat(comparisons.get(0).production()).isEqualTo(comparisons.get(1).production());
  }

  @Test
  @DisplayName("the two-proportion test: critical values and the 1-in-40 example")
  void twoProportionTest() {
    assertThat(TwoProportionTest.normalQuantile(0.975)).isCloseTo(1.95996, within(1e-4));
    assertThat(TwoProportionTest.normalQuantile(0.98)).isCloseTo(2.05375, within(1e-4));
    TwoProportionTest.Result oneIn40 = TwoProportionTest.increase(1, 40, 0, 40, 0.98);
    assertThat(oneIn40.z()).isCloseTo(1.0063, within(1e-3));
    assertThat(oneIn40.significant()).isFalse();
    assertThat(TwoProportionTest.increase(20, 400, 0, 400, 0.98).significant()).isTrue();
    assertThat(TwoProportionTest.increase(0, 400, 0, 400, 0.98).z()).isZero();
  }

  private static Metrics.MetricFamily counter(String name, double value) {
    return Metrics.MetricFamily.newBuilder().setName(name).setType(Metrics.MetricType.COUNTER)
        .addMetric(Metrics.Metric.newBuilder().setCounter(Metrics.Counter.newBuilder().setValue(value))).build();
  }
}
