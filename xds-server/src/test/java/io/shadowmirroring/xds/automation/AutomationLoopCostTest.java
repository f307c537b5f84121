package io.shadowmirroring.xds.automation;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shadowmirroring.xds.analysis.ShadowAnalysis;
import io.shadowmirroring.xds.analysis.ShadowJudge;
import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MethodSet;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.Leadership;
import io.shadowmirroring.xds.source.ProblemReporter;
import io.shadowmirroring.xds.testing.TestClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What one automation tick costs over 500 mirrors judged by a real {@link ShadowAnalysis}: one judge question
 * per mirrored Service, and a decision only for a Service whose verdicts or mirror changed.
 */
class AutomationLoopCostTest {
  private static final int MIRRORS = 500;
  private static final AnalysisSettings SETTINGS =
      new AnalysisSettings(Duration.ofMinutes(5), 10, 1.0, 1.25, 1.25, 0.98);

  /** {@code n} Services, each mirrored to its -v2 with auto-promote and auto-abort; {@code percent} for svc-0. */
  private static ModelBuild mirrors(int n, int percent) {
    MirrorSpec spec = new MirrorSpec(List.of(), 1_000_000, MethodSet.DEFAULT, Optional.empty(), false,
        MirrorLimits.DEFAULT, SETTINGS, true, true);
    List<MirrorStatus> statuses = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ServiceRef service = new ServiceRef("ns" + i % 10, "svc-" + i);
      ClusterRef target = new ClusterRef(new ServiceRef("ns" + i % 10, "svc-" + i + "-v2"), 80);
      int share = i == 0 ? percent * 10_000 : 1_000_000;
      statuses.add(new MirrorStatus(service, MirrorStatus.State.MIRRORING, Optional.of(spec), "",
          Map.of(80, List.of(new MirrorCopy(target, share))), Map.of(), Map.of()));
    }
    return new ModelBuild(null, statuses, List.of());
  }

  private final TestClock clock = new TestClock();
  private final ShadowAnalysis analysis = new ShadowAnalysis(new SimpleMeterRegistry(), clock);
  private final AtomicReference<ModelBuild> build = new AtomicReference<>(mirrors(MIRRORS, 100));
  private int questions;
  private final ShadowJudge counted = service -> {
    questions++;
    return analysis.judge().compare(service);
  };
  // No verdict is PASSING or FAILING without stats, so nothing is ever written: no editor is needed.
  private final ShadowAutomation automation =
      new ShadowAutomation(build::get, counted, null, ProblemReporter.NONE, Leadership.ALWAYS, clock);

  @Test
  @DisplayName("500 mirrors: 500 judge questions and 500 decisions on the first tick, then no decision while"
      + " nothing changes, and one for the one Service whose mirror changed")
  void decidesOnlyOnChange() {
    analysis.onBuild(build.get());

    ShadowAutomation.Tick first = automation.tick();
    assertThat(first.changes()).isEmpty();
    assertThat(first.actions()).isEmpty();
    assertThat(questions).isEqualTo(MIRRORS);
    assertThat(automation.decisions).isEqualTo(MIRRORS);

    for (int tick = 0; tick < 3; tick++) {
      clock.advance(Duration.ofSeconds(10));
      analysis.refresh();
      assertThat(automation.tick().changes()).isEmpty();
    }
    assertThat(questions).isEqualTo(4 * MIRRORS);
    assertThat(automation.decisions).isEqualTo(MIRRORS);

    build.set(mirrors(MIRRORS, 50));
    analysis.onBuild(build.get());
    automation.tick();
    assertThat(automation.decisions).isEqualTo(MIRRORS + 1);
  }
}
