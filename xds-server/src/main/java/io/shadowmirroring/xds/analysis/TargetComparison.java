package io.shadowmirroring.xds.analysis;

import io.shadowmirroring.xds.SameInstances;
import io.shadowmirroring.xds.model.ClusterRef;
import java.time.Instant;
import java.util.List;

/**
 * The verdict on one mirror target of one primary Service port.
 *
 * @param verdictSince when the verdict last changed (to act on "PASSING for a whole window")
 * @param shadowOverloaded true when copies were dropped by the mirror cluster's circuit breakers; those are
 *     reported, never counted as shadow errors
 */
public record TargetComparison(
    ClusterRef primary, ClusterRef target, Verdict verdict, Instant verdictSince, SideStats production,
    SideStats shadow, List<Check> checks, boolean shadowOverloaded) {

  public TargetComparison {
    checks = List.copyOf(checks);
  }

  /**
   * True when both lists hold the very same objects in the same order. The judge hands back the same
   * instance for a pair whose comparison did not change, so this tells "nothing new" without comparing
   * every field.
   */
  public static boolean sameInstances(List<TargetComparison> a, List<TargetComparison> b) {
    return SameInstances.of(a, b);
  }
}
