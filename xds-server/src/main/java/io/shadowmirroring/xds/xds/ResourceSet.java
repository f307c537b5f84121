package io.shadowmirroring.xds.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * An immutable set of prepared resources per type, with each type's content version: a profile's
 * target, or a make-before-break step on the way to it. Streams hold references to these and share
 * their maps, so a stream that holds a whole type costs no copy.
 */
public final class ResourceSet {
  private final Map<String, SortedMap<String, PreparedResource>> byType;
  private final Map<String, String> versions = new HashMap<>();
  private final long generation;
  private volatile XdsResources resources;
  private volatile Map<String, Map<String, List<String>>> children;
  private volatile Map<String, java.util.Set<String>> allChildren;
  private final Map<String, String> namesKeys = new java.util.concurrent.ConcurrentHashMap<>();
  /** Keyed by the identity of the map compared with; a few entries at most. */
  private final Map<String, Map<Map<String, PreparedResource>, List<PreparedResource>>> diffs = new HashMap<>();
  /** Like {@link #diffs}, for the names gone since. */
  private final Map<String, Map<Map<String, PreparedResource>, List<String>>> removals = new HashMap<>();

  private ResourceSet(Map<String, TypeResources> types, long generation) {
    this.byType = new HashMap<>();
    for (String type : XdsTypes.SERVED) {
      diffs.put(type, new java.util.IdentityHashMap<>());
      removals.put(type, new java.util.IdentityHashMap<>());
      TypeResources resources = types.getOrDefault(type, TypeResources.EMPTY);
      this.byType.put(type, resources.byName());
      versions.put(type, resources.version());
    }
    this.generation = generation;
  }

  /** A set of types prepared before ({@link ResourcePreparer}), taken as they are. */
  static ResourceSet prepared(Map<String, TypeResources> types, long generation) {
    return new ResourceSet(types, generation);
  }

  /** A make-before-break step made of resources already prepared; it follows its target's generation. */
  static ResourceSet of(Map<String, SortedMap<String, PreparedResource>> byType, long generation) {
    Map<String, TypeResources> types = new HashMap<>();
    byType.forEach((type, resources) -> types.put(type, TypeResources.of(resources)));
    return new ResourceSet(types, generation);
  }

  /** Every resource of a type, by name. */
  public SortedMap<String, PreparedResource> resources(String typeUrl) {
    return byType.get(typeUrl);
  }

  /** The content version of the whole type. */
  public String version(String typeUrl) {
    return versions.get(typeUrl);
  }

  /** Which publish this came from; a stream never goes back to an older target. */
  long generation() {
    return generation;
  }

  /** A key naming the content of every type: equal keys, equal content. */
  String key() {
    StringBuilder key = new StringBuilder();
    XdsTypes.SERVED.forEach(type -> key.append(versions.get(type)).append('/'));
    return key.toString();
  }

  /**
   * What a resource of a parent type asks the client to subscribe to: a cluster's
   * ClusterLoadAssignment, a listener's route configurations; computed once per set.
   */
  java.util.List<String> children(String typeUrl, String name) {
    return children().getOrDefault(typeUrl, Map.of()).getOrDefault(name, List.of());
  }

  /** Everything the parents of a type ask for, all of them together; computed once per set. */
  java.util.Set<String> allChildren(String typeUrl) {
    java.util.Map<String, java.util.Set<String>> all = allChildren;
    if (all == null) {
      all = new HashMap<>();
      for (var entry : children().entrySet()) {
        java.util.Set<String> union = new java.util.HashSet<>();
        entry.getValue().values().forEach(union::addAll);
        all.put(entry.getKey(), union);
      }
      allChildren = all;
    }
    return all.getOrDefault(typeUrl, java.util.Set.of());
  }

  private Map<String, Map<String, List<String>>> children() {
    Map<String, Map<String, List<String>>> all = children;
    if (all == null) {
      all = new HashMap<>();
      Map<String, List<String>> clusters = new HashMap<>();
      for (PreparedResource cluster : byType.get(XdsTypes.CLUSTER).values()) {
        clusters.put(cluster.name(), References.assignment((Cluster) cluster.message()).map(List::of).orElse(List.of()));
      }
      Map<String, List<String>> listeners = new HashMap<>();
      for (PreparedResource listener : byType.get(XdsTypes.LISTENER).values()) {
        listeners.put(listener.name(), References.routeConfigurations((Listener) listener.message()));
      }
      all.put(XdsTypes.CLUSTER, clusters);
      all.put(XdsTypes.LISTENER, listeners);
      children = all;
    }
    return all;
  }

  /** A key for the names of a type: equal keys, the same names (a stream that asked for all of them still does). */
  String namesKey(String typeUrl) {
    return namesKeys.computeIfAbsent(typeUrl, type -> keyOf(byType.get(type).keySet()));
  }

  /** A key for {@link #allChildren}: equal keys, the same names. */
  String childrenKey(String typeUrl) {
    return namesKeys.computeIfAbsent("children of " + typeUrl,
        type -> keyOf(new java.util.TreeSet<>(allChildren(typeUrl))));
  }

  /** Sorted names to a key: equal keys, the same names (streams skip checks on equal keys). */
  private static String keyOf(java.util.Collection<String> sortedNames) {
    return ContentVersion.ofStrings(sortedNames);
  }

  /**
   * The resources of a type that are new or changed compared with what was sent before, remembered for
   * a few {@code before} maps: the streams of a profile mostly hold the same one, the previous target's.
   */
  List<PreparedResource> changedSince(String typeUrl, Map<String, PreparedResource> before) {
    if (before == byType.get(typeUrl)) {
      // The very resources (a type the publish did not change shares its map with the set before).
      return List.of();
    }
    // Per type: maps of different types may be the same object (the empty map, say).
    Map<Map<String, PreparedResource>, List<PreparedResource>> ofType = diffs.get(typeUrl);
    synchronized (ofType) {
      List<PreparedResource> known = ofType.get(before);
      if (known != null) {
        return known;
      }
    }
    List<PreparedResource> changed = new java.util.ArrayList<>();
    for (PreparedResource resource : byType.get(typeUrl).values()) {
      PreparedResource had = before.get(resource.name());
      // Prepared resources are shared, so an unchanged one is usually the very same object.
      if (had != resource && (had == null || !had.hash().equals(resource.hash()))) {
        changed.add(resource);
      }
    }
    List<PreparedResource> result = List.copyOf(changed);
    synchronized (ofType) {
      if (ofType.size() >= 8) {
        ofType.clear();
      }
      ofType.put(before, result);
    }
    return result;
  }

  /**
   * The names of a type that {@code before} has and this set has not, remembered like
   * {@link #changedSince}: without it, every delta stream would look up each name it holds, per change.
   */
  List<String> removedSince(String typeUrl, Map<String, PreparedResource> before) {
    if (before == byType.get(typeUrl)) {
      return List.of();
    }
    Map<Map<String, PreparedResource>, List<String>> ofType = removals.get(typeUrl);
    synchronized (ofType) {
      List<String> known = ofType.get(before);
      if (known != null) {
        return known;
      }
    }
    SortedMap<String, PreparedResource> now = byType.get(typeUrl);
    List<String> removed = new java.util.ArrayList<>();
    for (String name : before.keySet()) {
      if (!now.containsKey(name)) {
        removed.add(name);
      }
    }
    List<String> result = List.copyOf(removed);
    synchronized (ofType) {
      if (ofType.size() >= 8) {
        ofType.clear();
      }
      ofType.put(before, result);
    }
    return result;
  }

  /** The resources as messages, e.g. for checks and config dumps. */
  public XdsResources resources() {
    XdsResources current = resources;
    if (current == null) {
      current = new XdsResources(messages(XdsTypes.CLUSTER, Cluster.class),
          messages(XdsTypes.ENDPOINT, ClusterLoadAssignment.class), messages(XdsTypes.LISTENER, Listener.class),
          messages(XdsTypes.ROUTE, RouteConfiguration.class), messages(XdsTypes.RUNTIME, Runtime.class));
      resources = current;
    }
    return current;
  }

  private <T extends Message> List<T> messages(String type, Class<T> kind) {
    return byType.get(type).values().stream().map(r -> kind.cast(r.message())).toList();
  }
}
