package io.shadowmirroring.xds.automation;

import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.ServiceRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The last verdict seen per primary port and target, so that a change is reported once, not on every
 * tick. The first verdict seen counts as a change unless it is INSUFFICIENT_DATA, where every target starts.
 *
 * <p>Kept per Service: an update touches only its own Service's entries, so a tick over every mirror stays
 * linear in the number of pairs (one flat map filtered per Service was quadratic).
 */
final class VerdictMemory {
  private record Key(ClusterRef primary, ClusterRef target) {}

  private final Map<ServiceRef, Map<Key, Verdict>> last = new HashMap<>();

  List<VerdictChange> update(ServiceRef service, List<TargetComparison> comparisons) {
    Map<Key, Verdict> before = last.getOrDefault(service, Map.of());
    // A target no longer compared (removed, or its port gone) starts afresh if it comes back: only the
    // comparisons of this round are kept.
    Map<Key, Verdict> now = new HashMap<>();
    List<VerdictChange> changes = new ArrayList<>();
    for (TargetComparison comparison : comparisons) {
      Key key = new Key(comparison.primary(), comparison.target());
      Verdict previous = before.get(key);
      now.put(key, comparison.verdict());
      boolean changed = previous == null
          ? comparison.verdict() != Verdict.INSUFFICIENT_DATA
          : previous != comparison.verdict();
      if (changed) {
        changes.add(new VerdictChange(service, comparison, Optional.ofNullable(previous)));
      }
    }
    last.put(service, now);
    return changes;
  }

  /** Forgets Services that no longer mirror anything. */
  void retain(Set<ServiceRef> services) {
    last.keySet().retainAll(services);
  }
}
