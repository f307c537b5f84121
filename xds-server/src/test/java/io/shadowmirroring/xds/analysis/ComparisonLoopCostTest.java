package io.shadowmirroring.xds.analysis;

import static io.shadowmirroring.xds.analysis.AnalysisFixtures.ROUTE;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW_STATS;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.VHOST;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MethodSet;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import io.shadowmirroring.xds.testing.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What one refresh of the comparison loop costs, counted in comparisons computed and gauge rebuilds: linear
 * in the mirrored pairs, and nothing at all when no stats arrived and the model did not change.
 */
class ComparisonLoopCostTest {
  private static final int PAIRS = 500;
  private static final AnalysisSettings SETTINGS = AnalysisFixtures.settings(Duration.ofMinutes(5), 10);

  /** app-service:80 mirrored to app-shadow-service:80 (the fixtures' pair) and {@code others} more Services. */
  static ModelBuild mirrors(int others) {
    List<MirrorStatus> statuses = new ArrayList<>();
    statuses.add(AnalysisFixtures.build(SETTINGS, AnalysisFixtures.SHADOW).statuses().get(0));
    MirrorSpec spec = new MirrorSpec(List.of(), 1_000_000, MethodSet.DEFAULT, Optional.empty(), false,
        MirrorLimits.DEFAULT, SETTINGS, false, false);
    for (int i = 0; i < others; i++) {
      ServiceRef service = new ServiceRef("ns" + i % 10, "svc-" + i);
      ClusterRef target = new ClusterRef(new ServiceRef("ns" + i % 10, "svc-" + i + "-v2"), 80);
      statuses.add(new MirrorStatus(service, MirrorStatus.State.MIRRORING, Optional.of(spec), "",
          Map.of(80, List.of(new MirrorCopy(target, 1_000_000))), Map.of(), Map.of()));
    }
    return new ModelBuild(null, statuses, List.of());
  }

  private final TestClock clock = new TestClock();
  private final ShadowAnalysis analysis = new ShadowAnalysis(new SimpleMeterRegistry(), clock);
  private final ComparisonJudge judge = (ComparisonJudge) analysis.judge();

  @Test
  @DisplayName("a refresh with no new stats and the same model computes no comparison and rebuilds no gauge")
  void quietRefreshComputesNothing() {
    analysis.onBuild(mirrors(PAIRS - 1));
    assertThat(judge.computations.get()).isEqualTo(PAIRS);
    assertThat(analysis.gaugeUpdates).isEqualTo(1);

    for (int tick = 0; tick < 3; tick++) {
      clock.advance(ShadowAnalysis.REFRESH);
      analysis.refresh();
    }
    assertThat(judge.computations.get()).isEqualTo(PAIRS);
    assertThat(analysis.gaugeUpdates).isEqualTo(1);
    // The automation's question is answered from the same reused comparisons.
    assertThat(judge.compare(new ServiceRef("ns3", "svc-3"))).hasSize(1);
    assertThat(judge.computations.get()).isEqualTo(PAIRS);
  }

  @Test
  @DisplayName("stats for one pair: the next refresh computes that pair only, and the gauges once")
  void statsRecomputeOnlyTheirPair() {
    analysis.onBuild(mirrors(PAIRS - 1));
    EnvoyStatsEmitter proxy = new EnvoyStatsEmitter("a", Proxies.DEFAULT_MODE).withOtherClusters(20);
    MetricsIngest ingest = analysis.ingest();
    MetricsStream stream = ingest.open();
    ingest.accept(stream, proxy.flush().toByteArray());
    clock.advance(Duration.ofSeconds(5));
    for (int i = 0; i < 20; i++) {
      proxy.routeRequest(VHOST, ROUTE, 200, 10);
      proxy.clusterRequest(SHADOW_STATS, 200, 10);
    }
    ingest.accept(stream, proxy.flush().toByteArray());

    analysis.refresh();
    assertThat(judge.computations.get()).isEqualTo(PAIRS + 1);
    assertThat(analysis.gaugeUpdates).isEqualTo(2);
    TargetComparison judged = judge.compare(AnalysisFixtures.APP).get(0);
    assertThat(judged.production().requests()).isEqualTo(20);
    assertThat(judged.verdict()).isEqualTo(Verdict.PASSING);
  }

  @Test
  @DisplayName("a new model judges each new pair once: 500 pairs, then 500 more, 1,000 comparisons in all")
  void newModelIsLinear() {
    analysis.onBuild(mirrors(PAIRS - 1));
    analysis.onBuild(mirrors(2 * PAIRS - 1));
    // The first 500 pairs are unchanged and still without stats: their comparisons are reused.
    assertThat(judge.computations.get()).isEqualTo(2 * PAIRS);
    assertThat(analysis.gaugeUpdates).isEqualTo(2);
  }

  @Test
  @DisplayName("the plan finds a Service's pairs by its name: every Service's lookup sees only its own pairs")
  void pairsByService() {
    StatPlan plan = StatPlan.from(mirrors(PAIRS - 1));
    int found = 0;
    for (MirrorStatus status : mirrors(PAIRS - 1).statuses()) {
      List<MirrorPair> pairs = plan.pairs(status.service());
      assertThat(pairs).allMatch(p -> p.primary().service().equals(status.service()));
      found += pairs.size();
    }
    assertThat(found).isEqualTo(PAIRS);
    assertThat(plan.pairs(new ServiceRef("nowhere", "none"))).isEmpty();
  }
}
