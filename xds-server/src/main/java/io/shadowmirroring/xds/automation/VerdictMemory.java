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
 */
final class VerdictMemory {
  private record Key(ServiceRef service, ClusterRef primary, ClusterRef target) {}

  private final Map<Key, Verdict> last = new HashMap<>();

  List<VerdictChange> update(ServiceRef service, List<TargetComparison> comparisons) {
    List<VerdictChange> changes = new ArrayList<>();
    for (TargetComparison comparison : comparisons) {
      Key key = new Key(service, comparison.primary(), comparison.target());
      Verdict before = last.put(key, comparison.verdict());
      boolean changed = before == null
          ? comparison.verdict() != Verdict.INSUFFICIENT_DATA
          : before != comparison.verdict();
      if (changed) {
        changes.add(new VerdictChange(service, comparison, Optional.ofNullable(before)));
      }
    }
    // A target no longer compared (removed, or its port gone) starts afresh if it comes back.
    last.keySet().removeIf(k -> k.service().equals(service) && comparisons.stream()
        .noneMatch(c -> c.primary().equals(k.primary()) && c.target().equals(k.target())));
    return changes;
  }

  /** Forgets Services that no longer mirror anything. */
  void retain(Set<ServiceRef> services) {
    last.keySet().removeIf(k -> !services.contains(k.service()));
  }
}
