package io.shadowmirroring.xds.testing;

import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The parsed form of {@code shadow-mirroring.io/auto-promote: "true"} / {@code auto-abort: "true"} and an
 * analysis window, laid over real builds: the automation reads these flags from each mirror's effective
 * spec, whichever way they got there.
 */
public final class AutomationFlags {
  private AutomationFlags() {}

  public static Supplier<ModelBuild> over(Supplier<ModelBuild> builds, boolean autoPromote, boolean autoAbort,
      Duration window) {
    return () -> {
      ModelBuild build = builds.get();
      return build == null ? null : with(build, autoPromote, autoAbort, window);
    };
  }

  public static ModelBuild with(ModelBuild build, boolean autoPromote, boolean autoAbort, Duration window) {
    return new ModelBuild(build.model(), build.statuses().stream().map(s -> new MirrorStatus(s.service(), s.state(),
        s.effective().map(spec -> with(spec, autoPromote, autoAbort, window)), s.error(), s.targetsByPort(),
        s.promotedByPort(), s.annotations())).toList(), build.problems());
  }

  private static MirrorSpec with(MirrorSpec spec, boolean autoPromote, boolean autoAbort, Duration window) {
    AnalysisSettings a = spec.analysis();
    return new MirrorSpec(spec.targets(), spec.defaultMillionths(), spec.methods(), spec.promote(), spec.keepHost(),
        spec.limits(), new AnalysisSettings(window, a.minRequests(), a.maxErrorRateIncrease(), a.maxP50Ratio(),
            a.maxP99Ratio(), a.confidence()), autoPromote, autoAbort);
  }
}
