package io.shadowmirroring.xds.analysis;

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
}
