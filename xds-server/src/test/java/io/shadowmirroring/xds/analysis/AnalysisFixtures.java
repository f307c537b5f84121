package io.shadowmirroring.xds.analysis;

import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MethodSet;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The demo's mirror (app-service:80 copied to app-shadow-service:80) and its stat names. */
final class AnalysisFixtures {
  static final ServiceRef APP = new ServiceRef("shadow-demo", "app-service");
  static final ClusterRef PRIMARY = new ClusterRef(APP, 80);
  static final ClusterRef SHADOW = new ClusterRef(new ServiceRef("shadow-demo", "app-shadow-service"), 80);
  static final ClusterRef CANARY = new ClusterRef(new ServiceRef("canary", "app"), 8080);

  /** The mirror cluster's stat name, as its {@code alt_stat_name} makes it. */
  static final String SHADOW_STATS = ResourceNames.mirrorClusterStatName(PRIMARY, SHADOW);
  static final String CANARY_STATS = ResourceNames.mirrorClusterStatName(PRIMARY, CANARY);
  static final String VHOST = ResourceNames.virtualHost(PRIMARY);
  static final String ROUTE = ResourceNames.mirroredRouteStatPrefix(PRIMARY);

  private AnalysisFixtures() {}

  static AnalysisSettings settings(Duration window, long minRequests) {
    return new AnalysisSettings(window, minRequests, 1.0, 1.25, 1.25, 0.98);
  }

  /** A build in which app-service:80 mirrors to {@code targets} with {@code settings}. */
  static ModelBuild build(AnalysisSettings settings, ClusterRef... targets) {
    MirrorSpec spec = new MirrorSpec(List.of(), 1_000_000, MethodSet.DEFAULT, Optional.empty(), false,
        MirrorLimits.DEFAULT, settings, false, false);
    List<MirrorCopy> copies = Arrays.stream(targets).map(t -> new MirrorCopy(t, 1_000_000)).toList();
    MirrorStatus status = new MirrorStatus(APP, MirrorStatus.State.MIRRORING, Optional.of(spec), "",
        Map.of(80, copies), Map.of(), Map.of());
    return new ModelBuild(null, List.of(status), List.of());
  }
}
