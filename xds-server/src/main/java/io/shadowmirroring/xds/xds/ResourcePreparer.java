package io.shadowmirroring.xds.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Serializes each resource once: a resource with the same content in several profiles, or in the
 * next publish, is the same {@link PreparedResource}, so its Any is shared and response bodies built
 * from it can be cached. Entries not used by the last two generations are dropped. Used by the
 * publisher's thread only (under its lock).
 *
 * <p>The translator gives an unchanged resource as the very message it gave before (its memo), so a
 * message prepared before is looked up by identity first: one change serializes and hashes only what
 * it changed, not every resource of every profile again.
 */
final class ResourcePreparer {
  /** A resource's content by type, name and hash; a record, cheaper than a String built per resource and publish. */
  private record Key(String type, String name, String hash) {}

  private Map<Key, PreparedResource> previous = new HashMap<>();
  private Map<Key, PreparedResource> current = new HashMap<>();
  private Map<Message, PreparedResource> previousByMessage = new IdentityHashMap<>();
  private Map<Message, PreparedResource> currentByMessage = new IdentityHashMap<>();
  private long generation;

  ResourceSet prepare(XdsResources resources) {
    Map<String, SortedMap<String, PreparedResource>> byType = new HashMap<>();
    add(byType, XdsTypes.CLUSTER, resources.clusters(), Cluster::getName);
    add(byType, XdsTypes.ENDPOINT, resources.endpoints(), ClusterLoadAssignment::getClusterName);
    add(byType, XdsTypes.LISTENER, resources.listeners(), Listener::getName);
    add(byType, XdsTypes.ROUTE, resources.routes(), RouteConfiguration::getName);
    add(byType, XdsTypes.RUNTIME, resources.runtimes(), Runtime::getName);
    return new ResourceSet(byType, generation);
  }

  /** Starts a new generation: what neither it nor the one before uses is forgotten. */
  void nextGeneration() {
    previous = current;
    current = new HashMap<>();
    previousByMessage = currentByMessage;
    currentByMessage = new IdentityHashMap<>();
    generation++;
  }

  private <T extends Message> void add(Map<String, SortedMap<String, PreparedResource>> byType, String type,
      List<T> messages, Function<T, String> name) {
    SortedMap<String, PreparedResource> map = new TreeMap<>();
    for (T message : messages) {
      PreparedResource known = currentByMessage.get(message);
      if (known == null) {
        known = previousByMessage.get(message);
      }
      if (known != null) {
        currentByMessage.put(message, known);
        current.put(new Key(type, known.name(), known.hash()), known);
        map.put(known.name(), known);
        continue;
      }
      byte[] bytes = ContentVersion.serialize(message);
      String hash = ContentVersion.hash(bytes);
      Key key = new Key(type, name.apply(message), hash);
      PreparedResource prepared = current.get(key);
      if (prepared == null) {
        prepared = previous.get(key);
      }
      if (prepared == null) {
        prepared = new PreparedResource(name.apply(message), hash,
            Any.newBuilder().setTypeUrl(type).setValue(UnsafeByteOperations.unsafeWrap(bytes)).build(), message);
      }
      current.put(key, prepared);
      currentByMessage.put(message, prepared);
      map.put(prepared.name(), prepared);
    }
    byType.put(type, map);
  }
}
