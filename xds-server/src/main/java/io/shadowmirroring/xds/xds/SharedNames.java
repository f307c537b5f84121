package io.shadowmirroring.xds.xds;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One set for equal subscriptions: a state-of-the-world client names every assignment or route it
 * wants in every request, and proxies of one profile name the same ones. At 10,000 Services each
 * stream's EDS names cost about 1 MB of heap (10,000 strings and a hash set), so 1,000 proxies kept
 * 1,000 copies and a 1 GB heap ran out (bench scenario 6); shared, they cost one. The sets are
 * immutable, which {@link TypeSubscription} allows: it replaces its names and never changes them. A few
 * recent sets are kept, bounded in number, so a shape no stream uses any more is soon forgotten. One
 * instance per server, owned by the {@link SnapshotPublisher}.
 */
final class SharedNames {
  private static final int KEPT = 64;
  private final Map<Set<String>, Set<String>> recent = new LinkedHashMap<>(KEPT, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Set<String>, Set<String>> eldest) {
      return size() > KEPT;
    }
  };

  /** An immutable set of the names (duplicates dropped), the very one earlier equal names got if it is kept. */
  Set<String> of(Collection<String> names) {
    Set<String> set = Set.copyOf(names);
    synchronized (recent) {
      Set<String> kept = recent.putIfAbsent(set, set);
      return kept != null ? kept : set;
    }
  }
}
