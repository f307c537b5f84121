package io.shadowmirroring.xds.analysis;

import static io.shadowmirroring.xds.analysis.AnalysisFixtures.PRIMARY;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW_STATS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The small parts: name matching, bucket merging and interpolation, summary mixing, the wire reader. */
class AnalysisPartsTest {
  private final StatPlan plan = StatPlan.from(AnalysisFixtures.build(
      AnalysisFixtures.settings(Duration.ofMinutes(5), 1), SHADOW));

  private StatPlan.NameMatch match(String name) {
    byte[] bytes = ("xx" + name).getBytes(StandardCharsets.UTF_8);
    return plan.match(bytes, 2, bytes.length);
  }

  @Test
  @DisplayName("a build with the same pairs and settings keeps the plan (an endpoint change); other settings do not")
  void unchangedPairsKeepThePlan() {
    StatPlan same = StatPlan.from(AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(5), 1), SHADOW),
        plan);
    StatPlan otherWindow = StatPlan.from(
        AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(6), 1), SHADOW), plan);
    StatPlan noPairs = StatPlan.from(AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(5), 1)),
        plan);

    assertThat(same).isSameAs(plan);
    assertThat(otherWindow).isNotSameAs(plan);
    assertThat(otherWindow.pairs()).hasSize(1);
    assertThat(noPairs.pairs()).isEmpty();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "vhost.shadow-demo_app-service_80.route.shadow-demo_app-service_80_mirrored.upstream_rq_5xx, CLASS_5XX",
      "vhost.shadow-demo_app-service_80.route.shadow-demo_app-service_80_mirrored.upstream_rq_completed, COMPLETED",
      "cluster.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80.upstream_rq_pending_overflow, PENDING_OVERFLOW",
      "cluster.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80.upstream_rq_503, RESPONSE_CODE",
      "cluster.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80.upstream_rq_time, RQ_TIME",
  })
  @DisplayName("full names of the mirrored route and the mirror cluster are matched to their stat")
  void fullNames(String name, Stat stat) {
    assertThat(match(name).full().stat()).isEqualTo(stat);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "cluster.shadow-demo/app-service_80.upstream_rq_5xx",
      "vhost.shadow-demo/app-service:80.route.shadow-demo_app-service_80_mirrored.upstream_rq_5xx",
      "cluster.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80.external.upstream_rq_5xx",
      "cluster.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80.upstream_cx_active",
      "cluster.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80.upstream_rq_50",
      "http.ingress_http.downstream_rq_5xx",
      "cluster.upstream_cx_total",
  })
  @DisplayName("other names are not matched: other clusters, an unsafe virtual host name, canary/external splits")
  void otherNames(String name) {
    assertThat(match(name)).isNull();
  }

  @Test
  @DisplayName("tag-extracted names are matched, the scope comes from the labels")
  void labeledNames() {
    assertThat(match("cluster.upstream_rq_xx").labeled().byClassLabel()).isTrue();
    assertThat(match("vhost.route.upstream_rq_time").labeled().route()).isTrue();
    byte[] label = SHADOW_STATS.getBytes(StandardCharsets.UTF_8);
    assertThat(plan.scope(plan.clusterLabelScope(label, 0, label.length)))
        .isEqualTo(new StatScope.Shadow(PRIMARY, SHADOW));
  }

  @Test
  @DisplayName("cluster names are sanitized as Envoy does: '://', ':/' and ':' become '_'")
  void sanitize() {
    assertThat(StatPlan.sanitize("a://b:/c:d")).isEqualTo("a_b_c_d");
    assertThat(StatPlan.sanitize(".ns/svc:80.")).isEqualTo("ns/svc_80");
  }

  @Test
  @DisplayName("buckets of several flushes merge; a rank in the +Inf bucket gives the last bound")
  void histogramMerge() {
    double[] bounds = {1, 5, 10};
    LatencyHistogram histogram = new LatencyHistogram();
    histogram.add(bounds, new long[] {2, 6, 8}, 10);
    histogram.add(bounds, new long[] {0, 4, 10}, 10);
    assertThat(histogram.samples()).isEqualTo(20);
    // 20 samples: 2 in [0,1], 8 in (1,5], 8 in (5,10], 2 above 10. Rank 10 is the last of (1,5]:
    // 1 + 4 * (10 - 2) / 8 = 5. Rank 19.8 is above the last bound: 10.
    assertThat(histogram.quantile(0.5).orElseThrow()).isCloseTo(5, within(1e-9));
    assertThat(histogram.quantile(0.99).orElseThrow()).isEqualTo(10);
    assertThat(new LatencyHistogram().quantile(0.5)).isEmpty();

    LatencyHistogram other = new LatencyHistogram();
    other.add(new double[] {2, 5}, new long[] {4, 4}, 4);
    histogram.addAll(other);
    assertThat(histogram.samples()).isEqualTo(24);
  }

  @Test
  @DisplayName("one summary gives back its own quantiles; identical summaries mix to the same")
  void summaryMixture() {
    double[] quantiles = {0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1};
    double[] values = {1, 2, 4, 8, 16, 20, 40, 45, 50, 60};
    SummaryMixture mixture = new SummaryMixture();
    mixture.add(new SummaryMixture.Summary(100, quantiles, values));
    assertThat(mixture.quantile(0.5).orElseThrow()).isCloseTo(4, within(1e-6));
    assertThat(mixture.quantile(0.99).orElseThrow()).isCloseTo(40, within(1e-6));
    mixture.add(new SummaryMixture.Summary(300, quantiles, values));
    assertThat(mixture.quantile(0.9).orElseThrow()).isCloseTo(16, within(1e-6));
  }

  @Test
  @DisplayName("the wire reader refuses truncated input instead of reading past it")
  void wireReader() {
    assertThatThrownBy(() -> new WireReader(new byte[] {(byte) 0x80}, 0, 1).readVarint())
        .isInstanceOf(WireReader.Malformed.class).hasMessage("truncated varint");
    assertThatThrownBy(() -> new WireReader(new byte[] {0x05, 0x01}, 0, 2).skip(WireReader.LEN))
        .isInstanceOf(WireReader.Malformed.class).hasMessageContaining("runs past the end");
  }
}
