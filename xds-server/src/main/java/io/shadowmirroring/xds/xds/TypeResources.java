package io.shadowmirroring.xds.xds;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The prepared resources of one type, by name, with the type's content version. Immutable; shared by
 * every {@link ResourceSet} in which the type did not change.
 */
record TypeResources(SortedMap<String, PreparedResource> byName, String version) {
  static final TypeResources EMPTY = of(new TreeMap<>());

  /** A copy of the resources, and their version. */
  static TypeResources of(SortedMap<String, PreparedResource> byName) {
    return new TypeResources(Collections.unmodifiableSortedMap(new TreeMap<>(byName)),
        ContentVersion.ofHashes(byName.values().stream().map(PreparedResource::hash).toList()));
  }
}
