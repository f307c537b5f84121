package io.shadowmirroring.xds.xds;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

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
  private volatile java.util.Map<String, java.util.List<String>> children;

  ResourceSet(Map<String, SortedMap<String, PreparedResource>> byType, long generation) {
    this.byType = new HashMap<>();
    for (String type : XdsTypes.SERVED) {
      SortedMap<String, PreparedResource> map = byType.getOrDefault(type, new TreeMap<>());
      this.byType.put(type, Collections.unmodifiableSortedMap(new TreeMap<>(map)));
      versions.put(type, ContentVersion.ofHashes(map.values().stream().map(PreparedResource::hash).toList()));
    }
    this.generation = generation;
  }

  /** A make-before-break step made of resources already prepared; it follows its target's generation. */
  static ResourceSet of(Map<String, SortedMap<String, PreparedResource>> byType, long generation) {
    return new ResourceSet(byType, generation);
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
   * What each resource of a parent type asks the client to subscribe to: a cluster's
   * ClusterLoadAssignment, a listener's route configurations; computed once per set.
   */
  java.util.List<String> children(String typeUrl, String name) {
    java.util.Map<String, java.util.List<String>> all = children;
    if (all == null) {
      all = new HashMap<>();
      for (PreparedResource cluster : byType.get(XdsTypes.CLUSTER).values()) {
        all.put(XdsTypes.CLUSTER + '\n' + cluster.name(),
            References.assignment((Cluster) cluster.message()).map(List::of).orElse(List.of()));
      }
      for (PreparedResource listener : byType.get(XdsTypes.LISTENER).values()) {
        all.put(XdsTypes.LISTENER + '\n' + listener.name(),
            References.routeConfigurations((Listener) listener.message()));
      }
      children = all;
    }
    return all.getOrDefault(typeUrl + '\n' + name, List.of());
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
