package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.micrometer.core.instrument.MeterRegistry;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the model to the snapshot cache, one snapshot per proxy profile, make-before-break.
 *
 * <p>A change that adds clusters goes out in steps: first the new clusters and their endpoints next to
 * the old routes; once the profile's proxies have ACKed them, the new listeners and routes with the old
 * clusters still present; and once those are ACKed, the final snapshot, with clusters nothing references
 * any more removed. Routes are not warmed by Envoy, so a route must never name a cluster (mirror clusters
 * included) the proxy does not have yet.
 *
 * <p>Steps advance on ACK events ({@link ProxyRegistry#onAnswer}) and on a per-stream deadline, on this
 * publisher's own thread: {@link #publish} only sets the first step and returns, so a slow proxy never
 * holds back the reconciler, or another profile. Within a profile:
 * <ul>
 *   <li>a step waits for the streams that had answered their last response of the step's types when it
 *       began; a stream still behind has no open watch for those types, so it is not sent the step
 *       anyway, and a stream that subscribes and never answers is never waited for;
 *   <li>a stream that does not ACK a step within the ack wait stops being waited for (logged);
 *   <li>a NACK of a step holds the profile at that step (old routes, or stale clusters kept) until a
 *       newer model, or until the NACKing stream goes away;
 *   <li>a newer model replaces a step still pending, keeping the streams it still waited for;
 *   <li>a change to endpoints only goes out at once.
 * </ul>
 *
 * <p>Nothing is published before the first model: proxies that connect early wait rather than get an
 * empty config.
 */
public final class SnapshotPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);

  private final SimpleCache<ProxyProfile> cache;
  private final MeshTranslator translator = new MeshTranslator();
  private final ProxyRegistry registry;
  private final Duration ackWait;
  private final MeterRegistry meters;
  /** Guarded by modelLock, like everything a step changes. */
  private final Map<ProxyProfile, ProfileState> profiles = new HashMap<>();
  private final Object modelLock = new Object();
  private final Set<ProxyProfile> kept = ConcurrentHashMap.newKeySet();
  /** Profiles with a step pending: read without the lock, so that ACKs of settled profiles cost nothing. */
  private final Set<ProxyProfile> stepping = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService steps = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "snapshot-steps");
    thread.setDaemon(true);
    return thread;
  });
  /** Guarded by itself. */
  private final List<BiConsumer<ProxyProfile, Snapshot>> listeners = new ArrayList<>();
  private volatile MeshModel model;

  /** What one profile's proxies were last given, what they should end with, and the step in between. */
  private static final class ProfileState {
    /** The final resources wanted. */
    XdsResources target;
    /** The resources of the snapshot last set; null before the first. */
    XdsResources current;
    /** Clusters the profile's proxies are known to hold, endpoints included. */
    final Set<String> confirmedClusters = new HashSet<>();
    Step step;

    ProfileState(XdsResources target) {
      this.target = target;
    }
  }

  private enum Kind { WARM_CLUSTERS, REROUTE }

  /**
   * A snapshot set and not yet ACKed by every stream it waits for.
   *
   * @param awaited version per resource type that must be ACKed
   * @param waiting stream id to the System.nanoTime() after which that stream is no longer waited for
   */
  private record Step(Kind kind, Map<String, String> awaited, Map<Long, Long> waiting, Set<Long> reportedNacks) {}

  public SnapshotPublisher(SimpleCache<ProxyProfile> cache, ProxyRegistry registry, Duration ackWait,
      MeterRegistry meters) {
    this.cache = cache;
    this.registry = registry;
    this.ackWait = ackWait;
    this.meters = meters;
    registry.onAnswer(this::answered);
  }

  /** True once a model has been published: the server then has something to serve. */
  public boolean hasPublished() {
    return model != null;
  }

  public Optional<Snapshot> snapshot(ProxyProfile profile) {
    return Optional.ofNullable(cache.getSnapshot(profile));
  }

  /**
   * Publishes the model to every profile seen so far. Called from one thread, the reconciler's; returns
   * once each profile has its first step (or the final snapshot) set, without waiting for proxies.
   */
  public void publish(MeshModel next) {
    List<ProxyProfile> known;
    synchronized (modelLock) {
      model = next;
      dropUnusedProfiles();
      known = new ArrayList<>(profiles.keySet());
    }
    for (ProxyProfile profile : known) {
      // Translated outside the lock: steps of other profiles go on meanwhile.
      XdsResources target = translator.translate(next, profile);
      synchronized (modelLock) {
        ProfileState state = profiles.get(profile);
        // A newer model may have been published meanwhile only by this thread, so the target is current.
        if (state != null) {
          state.target = target;
          settle(profile, state);
        }
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
      if (profiles.containsKey(profile)) {
        return;
      }
      MeshModel current = model;
      if (current == null) {
        // Remember the profile; the first publish serves it.
        profiles.put(profile, new ProfileState(new XdsResources(List.of(), List.of(), List.of(), List.of())));
        return;
      }
      ProfileState state = new ProfileState(translator.translate(current, profile));
      try {
        first(profile, state);
        profiles.put(profile, state);
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

  /** Stops the step thread; steps still pending stay where they are. */
  @Override
  public void close() {
    steps.shutdownNow();
  }

  // Node metadata chooses profiles, so without this every listener port ever asked for would keep a
  // snapshot, and be translated on every publish, forever. The cache refuses while watches are open.
  private void dropUnusedProfiles() {
    for (ProxyProfile profile : new ArrayList<>(profiles.keySet())) {
      if (!kept.contains(profile) && registry.streamsOf(profile).isEmpty()
          && (cache.getSnapshot(profile) == null || cache.clearSnapshot(profile))) {
        profiles.remove(profile);
        stepping.remove(profile);
      }
    }
  }

  // On a stream thread: hand the work to the step thread, never block the stream.
  private void answered(ProxyProfile profile) {
    if (stepping.contains(profile)) {
      submit(profile, 0);
    }
  }

  private void submit(ProxyProfile profile, long delayNanos) {
    try {
      steps.schedule(() -> advance(profile), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      // Shutting down: nothing more to send.
    }
  }

  private void advance(ProxyProfile profile) {
    synchronized (modelLock) {
      ProfileState state = profiles.get(profile);
      if (state != null) {
        advance(profile, state);
      }
    }
  }

  /** Sets the next snapshot on the way from what the profile has to its target. Under modelLock. */
  private void settle(ProxyProfile profile, ProfileState state) {
    try {
      XdsResources current = state.current;
      XdsResources target = state.target;
      if (current == null) {
        first(profile, state);
        return;
      }
      boolean routingChanges = !current.listeners().equals(target.listeners())
          || !current.routes().equals(target.routes());
      if (routingChanges && !state.confirmedClusters.containsAll(names(target.clusters()))) {
        XdsResources warm = new XdsResources(union(current.clusters(), target.clusters(), Cluster::getName),
            union(current.endpoints(), target.endpoints(), ClusterLoadAssignment::getClusterName),
            current.listeners(), current.routes());
        // A cluster is usable once its endpoints arrived, not just the cluster itself.
        begin(profile, state, Kind.WARM_CLUSTERS, warm,
            List.of(Resources.V3.CLUSTER_TYPE_URL, Resources.V3.ENDPOINT_TYPE_URL));
      } else if (routingChanges && !names(target.clusters()).containsAll(names(current.clusters()))) {
        XdsResources rerouted = new XdsResources(union(current.clusters(), target.clusters(), Cluster::getName),
            union(current.endpoints(), target.endpoints(), ClusterLoadAssignment::getClusterName),
            target.listeners(), target.routes());
        // gRPC clients get their routes inline in the listeners.
        begin(profile, state, Kind.REROUTE, rerouted,
            List.of(Resources.V3.LISTENER_TYPE_URL, Resources.V3.ROUTE_TYPE_URL));
      } else {
        finish(profile, state);
      }
    } catch (SnapshotConsistencyException e) {
      state.step = null;
      stepping.remove(profile);
      LOG.error("not publishing an inconsistent snapshot for {}: {}", profile, e.getMessage());
    }
  }

  // Proxies of a profile without a snapshot have nothing yet: clusters and routes go together.
  private void first(ProxyProfile profile, ProfileState state) throws SnapshotConsistencyException {
    finish(profile, state);
    state.confirmedClusters.addAll(names(state.target.clusters()));
  }

  private void finish(ProxyProfile profile, ProfileState state) throws SnapshotConsistencyException {
    state.step = null;
    stepping.remove(profile);
    setCurrent(profile, state, state.target);
  }

  private void begin(ProxyProfile profile, ProfileState state, Kind kind, XdsResources resources, List<String> types)
      throws SnapshotConsistencyException {
    long deadline = System.nanoTime() + ackWait.toNanos();
    Map<Long, Long> waiting = new HashMap<>();
    // A replaced step's streams that had not ACKed yet are still owed a make-before-break, by their deadline.
    if (state.step != null) {
      waiting.putAll(state.step.waiting());
    }
    // Decided before the snapshot is set, which sends it at once to every open watch.
    for (ProxyStream stream : registry.streamsOf(profile)) {
      if (types.stream().allMatch(stream::caughtUp)) {
        waiting.putIfAbsent(stream.streamId(), deadline);
      }
    }
    Snapshot snapshot = setCurrent(profile, state, resources);
    Map<String, String> awaited = new LinkedHashMap<>();
    types.forEach(type -> awaited.put(type, snapshot.version(type)));
    state.step = new Step(kind, awaited, waiting, new HashSet<>());
    stepping.add(profile);
    advance(profile, state);
  }

  /** Drops the streams that ACKed, went away or ran out of time, and moves on once none is left. */
  private void advance(ProxyProfile profile, ProfileState state) {
    Step step = state.step;
    if (step == null) {
      return;
    }
    Map<Long, ProxyStream> open = new HashMap<>();
    registry.streamsOf(profile).forEach(stream -> open.put(stream.streamId(), stream));
    long now = System.nanoTime();
    long next = Long.MAX_VALUE;
    for (var it = step.waiting().entrySet().iterator(); it.hasNext(); ) {
      var entry = it.next();
      ProxyStream stream = open.get(entry.getKey());
      if (stream == null || step.awaited().entrySet().stream().allMatch(a -> stream.hasAcked(a.getKey(), a.getValue()))) {
        it.remove();
      } else if (step.awaited().entrySet().stream().anyMatch(a -> stream.hasNacked(a.getKey(), a.getValue()))) {
        // A NACK is final for this version: it is not resent, so waiting longer changes nothing.
        if (step.reportedNacks().add(stream.streamId())) {
          LOG.warn("{}: node {} rejected a make-before-break step ({}); the profile keeps its {} until the config "
              + "changes", profile, nodeId(stream), step.kind(),
              step.kind() == Kind.WARM_CLUSTERS ? "old routes" : "old clusters");
        }
      } else if (entry.getValue() - now <= 0) {
        it.remove();
        LOG.info("{}: node {} did not ACK {} within {} ms; going on without it", profile, nodeId(stream),
            step.awaited().values(), ackWait.toMillis());
      } else {
        next = Math.min(next, entry.getValue());
      }
    }
    if (step.waiting().isEmpty()) {
      if (step.kind() == Kind.WARM_CLUSTERS) {
        state.confirmedClusters.addAll(names(state.current.clusters()));
      }
      state.step = null;
      settle(profile, state);
    } else if (next != Long.MAX_VALUE) {
      submit(profile, next - now);
    }
  }

  private Snapshot setCurrent(ProxyProfile profile, ProfileState state, XdsResources resources)
      throws SnapshotConsistencyException {
    Snapshot snapshot = set(profile, resources);
    state.current = resources;
    // A cluster removed must be warmed again if it comes back.
    state.confirmedClusters.retainAll(names(resources.clusters()));
    return snapshot;
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

  private static String nodeId(ProxyStream stream) {
    return stream.node().map(Node::getId).orElse("?");
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
