package io.shadowmirroring.xds.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.UnsafeByteOperations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.SameInstances;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Serializes each resource once: a resource with the same content in several profiles is the same
 * {@link PreparedResource}, so its Any is shared and response bodies built from it can be cached. Used by
 * the publisher's thread only (under its lock).
 *
 * <p>It remembers, per profile and type, the messages it was last given and what each became. The
 * translator gives an unchanged resource as the very message it gave before (its memo), in name order, so
 * one walk through the last messages finds each unchanged one: a change serializes and hashes only what it
 * changed, and a type whose messages are all the same objects is the very {@link TypeResources} of last
 * time, with no map built and no version computed (an endpoint change leaves four of the five types so).
 * A profile's memo is dropped with the profile ({@link #retain}), so it holds what the profiles serve.
 */
final class ResourcePreparer {
  /** One profile's last preparation of one type: the messages as given, in name order, and what each became. */
  private static final class TypeMemo {
    List<? extends Message> messages = List.of();
    PreparedResource[] prepared = new PreparedResource[0];
    TypeResources result;
  }

  private final Map<Object, Map<String, TypeMemo>> memos = new HashMap<>();
  private long generation;

  /** The resources of {@code profile} (any key naming it), prepared; they must be in name order, as XdsResources are. */
  ResourceSet prepare(Object profile, XdsResources resources) {
    Map<String, TypeMemo> mine = memos.computeIfAbsent(profile, p -> new HashMap<>());
    Map<String, TypeResources> byType = new HashMap<>();
    byType.put(XdsTypes.CLUSTER, add(mine, XdsTypes.CLUSTER, resources.clusters(), Cluster::getName));
    byType.put(XdsTypes.ENDPOINT,
        add(mine, XdsTypes.ENDPOINT, resources.endpoints(), ClusterLoadAssignment::getClusterName));
    byType.put(XdsTypes.LISTENER, add(mine, XdsTypes.LISTENER, resources.listeners(), Listener::getName));
    byType.put(XdsTypes.ROUTE, add(mine, XdsTypes.ROUTE, resources.routes(), RouteConfiguration::getName));
    byType.put(XdsTypes.RUNTIME, add(mine, XdsTypes.RUNTIME, resources.runtimes(), Runtime::getName));
    return ResourceSet.prepared(byType, generation);
  }

  /** Starts a new generation (a publish): the sets prepared from now on are newer than those before. */
  void nextGeneration() {
    generation++;
  }

  /** Forgets the memos of every profile but these. */
  void retain(Collection<?> profiles) {
    memos.keySet().retainAll(profiles);
  }

  @SuppressWarnings("unchecked")
  private <T extends Message> TypeResources add(Map<String, TypeMemo> mine, String type, List<T> messages,
      Function<T, String> name) {
    TypeMemo memo = mine.computeIfAbsent(type, t -> new TypeMemo());
    if (memo.result != null && SameInstances.of(messages, memo.messages)) {
      return memo.result;
    }
    List<T> before = (List<T>) memo.messages;
    PreparedResource[] prepared = new PreparedResource[messages.size()];
    TreeMap<String, PreparedResource> byName = new TreeMap<>();
    int next = 0;
    for (int i = 0; i < prepared.length; i++) {
      T message = messages.get(i);
      PreparedResource known = null;
      if (next < before.size() && before.get(next) != message) {
        // Both lists are in name order: skip what was removed or changed before this name.
        String wanted = name.apply(message);
        while (next < before.size() && before.get(next) != message
            && name.apply(before.get(next)).compareTo(wanted) < 0) {
          next++;
        }
      }
      if (next < before.size() && before.get(next) == message) {
        known = memo.prepared[next++];
      }
      prepared[i] = known != null ? known : serialized(type, name.apply(message), message);
      byName.put(prepared[i].name(), prepared[i]);
    }
    memo.messages = messages;
    memo.prepared = prepared;
    memo.result = TypeResources.of(byName);
    return memo.result;
  }

  /**
   * A message not prepared for this profile before: serialized and hashed, and shared with any profile
   * that serves the same content under the same name.
   */
  private PreparedResource serialized(String type, String name, Message message) {
    byte[] bytes = ContentVersion.serialize(message);
    String hash = ContentVersion.hash(bytes);
    for (Map<String, TypeMemo> other : memos.values()) {
      TypeMemo memo = other.get(type);
      PreparedResource same = memo == null || memo.result == null ? null : memo.result.byName().get(name);
      if (same != null && same.hash().equals(hash)) {
        return same;
      }
    }
    return new PreparedResource(name, hash,
        Any.newBuilder().setTypeUrl(type).setValue(UnsafeByteOperations.unsafeWrap(bytes)).build(), message);
  }
}
