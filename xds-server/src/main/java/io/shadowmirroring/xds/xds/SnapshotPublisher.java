package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.micrometer.core.instrument.MeterRegistry;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the model to the snapshot cache, one snapshot per proxy profile, make-before-break.
 *
 * <p>A change that adds clusters goes out in steps: first the new clusters and their endpoints next to
 * the old routes; once the group's proxies have answered (or a bounded wait has passed), the new
 * listeners and routes with the old clusters still present; and only then the final snapshot, with
 * clusters nothing references any more removed. Routes are not warmed by Envoy, so a route must never
 * name a cluster (mirror clusters included) the proxy does not have yet.
 *
 * <p>Nothing is published before the first model: proxies that connect early wait rather than get an
 * empty config.
 */
public final class SnapshotPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);

  private final SimpleCache<ProxyProfile> cache;
  private final MeshTranslator translator = new MeshTranslator();
  private final ProxyRegistry registry;
  private final Duration ackWait;
  private final MeterRegistry meters;
  private final Map<ProxyProfile, XdsResources> published = new ConcurrentHashMap<>();
  private final Object modelLock = new Object();
  private final Set<ProxyProfile> kept = ConcurrentHashMap.newKeySet();
  /** Guarded by itself. */
  private final List<BiConsumer<ProxyProfile, Snapshot>> listeners = new ArrayList<>();
  private volatile MeshModel model;

  public SnapshotPublisher(SimpleCache<ProxyProfile> cache, ProxyRegistry registry, Duration ackWait,
      MeterRegistry meters) {
    this.cache = cache;
    this.registry = registry;
    this.ackWait = ackWait;
    this.meters = meters;
  }

  /** True once a model has been published: the server then has something to serve. */
  public boolean hasPublished() {
    return model != null;
  }

  public Optional<Snapshot> snapshot(ProxyProfile profile) {
    return Optional.ofNullable(cache.getSnapshot(profile));
  }

  /** Publishes the model to every profile seen so far. Called from one thread, the reconciler's. */
  public void publish(MeshModel next) {
    List<ProxyProfile> profiles;
    synchronized (modelLock) {
      model = next;
      dropUnusedProfiles();
      profiles = new ArrayList<>(published.keySet());
    }
    for (ProxyProfile profile : profiles) {
      try {
        publishTo(profile, translator.translate(next, profile));
      } catch (SnapshotConsistencyException e) {
        LOG.error("not publishing an inconsistent snapshot for {}: {}", profile, e.getMessage());
      }
    }
  }

  /**
   * Makes sure a snapshot exists for a profile seen for the first time. Proxies of that profile have
   * nothing yet, so there is nothing to stage.
   */
  public void ensureProfile(ProxyProfile profile) {
    // Always under the lock: dropUnusedProfiles must not remove a profile between this check and its use.
    synchronized (modelLock) {
      if (published.containsKey(profile)) {
        return;
      }
      MeshModel current = model;
      if (current == null) {
        // Remember the profile; the first publish serves it.
        published.put(profile, new XdsResources(List.of(), List.of(), List.of(), List.of()));
        return;
      }
      XdsResources resources = translator.translate(current, profile);
      try {
        set(profile, resources);
        published.put(profile, resources);
      } catch (SnapshotConsistencyException e) {
        LOG.error("not publishing an inconsistent snapshot for {}: {}", profile, e.getMessage());
      }
    }
  }

  /**
   * Hands the listener each profile's current snapshot, then every snapshot set from now on (staged
   * ones included), before proxies get it. A hook for tests, which check each one against Envoy's
   * proto constraints; a listener must not throw.
   */
  public void onSnapshot(BiConsumer<ProxyProfile, Snapshot> listener) {
    synchronized (listeners) {
      listeners.add(listener);
      for (ProxyProfile profile : cache.groups()) {
        Snapshot current = cache.getSnapshot(profile);
        if (current != null) {
          listener.accept(profile, current);
        }
      }
    }
  }

  /** Keeps a profile's snapshot even while no proxy uses it (the default Envoy profile). */
  public void keep(ProxyProfile profile) {
    kept.add(profile);
    ensureProfile(profile);
  }

  // Node metadata chooses profiles, so without this every listener port ever asked for would keep a
  // snapshot, and be translated on every publish, forever. The cache refuses while watches are open.
  private void dropUnusedProfiles() {
    for (ProxyProfile profile : new ArrayList<>(published.keySet())) {
      if (!kept.contains(profile) && registry.streamsOf(profile).isEmpty()
          && (cache.getSnapshot(profile) == null || cache.clearSnapshot(profile))) {
        published.remove(profile);
      }
    }
  }

  private void publishTo(ProxyProfile profile, XdsResources target) throws SnapshotConsistencyException {
    XdsResources previous = published.get(profile);
    boolean firstPublish = cache.getSnapshot(profile) == null;
    if (!firstPublish) {
      Set<String> previousClusters = names(previous.clusters());
      boolean addsClusters = !previousClusters.containsAll(names(target.clusters()));
      boolean removesClusters = !names(target.clusters()).containsAll(previousClusters);
      boolean routingChanges = !previous.listeners().equals(target.listeners())
          || !previous.routes().equals(target.routes());
      if (addsClusters && routingChanges) {
        XdsResources warm = new XdsResources(union(previous.clusters(), target.clusters(), Cluster::getName),
            union(previous.endpoints(), target.endpoints(), ClusterLoadAssignment::getClusterName),
            previous.listeners(), previous.routes());
        Snapshot staged = set(profile, warm);
        // A cluster is usable once its endpoints arrived, not just the cluster itself.
        awaitAnswers(profile, Resources.V3.CLUSTER_TYPE_URL, staged.clusters().version());
        awaitAnswers(profile, Resources.V3.ENDPOINT_TYPE_URL, staged.endpoints().version());
      }
      if (removesClusters) {
        XdsResources rerouted = new XdsResources(union(previous.clusters(), target.clusters(), Cluster::getName),
            union(previous.endpoints(), target.endpoints(), ClusterLoadAssignment::getClusterName),
            target.listeners(), target.routes());
        Snapshot staged = set(profile, rerouted);
        // gRPC clients get their routes inline in the listeners.
        awaitAnswers(profile, Resources.V3.LISTENER_TYPE_URL, staged.listeners().version());
        awaitAnswers(profile, Resources.V3.ROUTE_TYPE_URL, staged.routes().version());
      }
    }
    set(profile, target);
    published.put(profile, target);
  }

  private Snapshot set(ProxyProfile profile, XdsResources resources) throws SnapshotConsistencyException {
    Snapshot snapshot = SnapshotFactory.consistentSnapshot(resources);
    // One lock with onSnapshot: a listener added meanwhile sees this snapshot either way, never neither.
    synchronized (listeners) {
      listeners.forEach(listener -> listener.accept(profile, snapshot));
      cache.setSnapshot(profile, snapshot);
    }
    meters.counter("shadow_mirroring_snapshot_publishes_total", "profile", profile.kind().name()).increment();
    return snapshot;
  }

  // Bounded: a proxy that never answers must not hold back the others for long.
  private void awaitAnswers(ProxyProfile profile, String typeUrl, String version) {
    long deadline = System.nanoTime() + ackWait.toNanos();
    while (System.nanoTime() < deadline) {
      boolean allAnswered = registry.streamsOf(profile).stream().allMatch(s -> s.answered(typeUrl, version));
      if (allAnswered) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    LOG.info("not every {} proxy answered {} version {} within {} ms; going on", profile,
        ProxyRegistry.shortType(typeUrl), version, ackWait.toMillis());
  }

  private static Set<String> names(List<Cluster> clusters) {
    Set<String> names = new HashSet<>();
    clusters.forEach(c -> names.add(c.getName()));
    return names;
  }

  // The target's resources win; the previous ones only fill in names the target no longer has.
  private static <T> List<T> union(List<T> previous, List<T> target, Function<T, String> name) {
    Map<String, T> merged = new LinkedHashMap<>(previous.stream()
        .collect(Collectors.toMap(name, Function.identity(), (a, b) -> a, LinkedHashMap::new)));
    target.forEach(t -> merged.put(name.apply(t), t));
    return new ArrayList<>(merged.values());
  }
}
