package io.shadowmirroring.xds.analysis;

import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;

/** One mirror target of one primary Service port, with how it is judged. */
record MirrorPair(ClusterRef primary, ClusterRef target, AnalysisSettings settings) {

  StatScope.Production production() {
    return new StatScope.Production(primary);
  }

  StatScope.Shadow shadow() {
    return new StatScope.Shadow(primary, target);
  }
}
