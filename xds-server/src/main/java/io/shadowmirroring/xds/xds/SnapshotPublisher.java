package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the model once per proxy profile into that profile's target, and hands it to the
 * profile's streams. Each stream then takes its own make-before-break steps towards it
 * ({@link ServingStream}, {@link MakeBeforeBreak}): a slow, stuck or NACKing proxy holds back only
 * itself, never the reconciler, another profile, or another proxy of its profile.
 *
 * <p>Resources are serialized once per content ({@link ResourcePreparer}) and response bodies once per
 * (type, version, resources) ({@link ResponseBodies}), shared by all streams. Nothing is served before
 * the first model: proxies that connect early wait rather than get an empty config. Node metadata
 * chooses profiles, so their number is bounded ({@code --max-profiles}); a profile no stream uses is
 * dropped at the next publish.
 */
public final class SnapshotPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);
  /** The default of {@code --max-profiles}. */
  public static final int DEFAULT_MAX_PROFILES = 256;
  private static final int STEPS_KEPT = 64;

  /** A stream asked for a new profile while the server already has as many as it may. */
  public static final class ProfileLimitException extends Exception {
    ProfileLimitException(String message) {
      super(message);
    }
  }

  private static final class Profile {
    ResourceSet target;
    /** The resources the target was prepared from, which passed the reference check. */
    XdsResources checked;
    final Set<ServingStream> streams = new HashSet<>();
  }

  private final MeshTranslator translator = new MeshTranslator();
  private final ResourcePreparer preparer = new ResourcePreparer();
  private final ResponseBodies bodies = new ResponseBodies();
  private final SharedNames sharedNames = new SharedNames();
  private final Duration ackWait;
  private final int maxProfiles;
  private final MeterRegistry meters;
  private final Object modelLock = new Object();
  /** Guarded by modelLock; never held while calling into a stream. */
  private final Map<ProxyProfile, Profile> profiles = new HashMap<>();
  private final Set<ProxyProfile> kept = ConcurrentHashMap.newKeySet();
  /** Step resources by (kind, held, target): the streams of a profile share the steps they take. */
  private final Map<String, ResourceSet> steps = new LinkedHashMap<>(STEPS_KEPT, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ResourceSet> eldest) {
      return size() > STEPS_KEPT;
    }
  };
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "xds-step-timer");
    thread.setDaemon(true);
    return thread;
  });
  /** Guarded by itself. */
  private final List<BiConsumer<ProxyProfile, Snapshot>> listeners = new ArrayList<>();
  private volatile MeshModel model;
  private final Timer translateTimer;
  private final Timer prepareTimer;
  private final Timer fanOutTimer;

  /**
   * @param ackWait after how long a stream still at a make-before-break step is logged and counted
   *     ({@code --ack-timeout}); it goes on waiting for its own ACK
   * @param maxProfiles how many proxy profiles may exist at once ({@code --max-profiles})
   */
  public SnapshotPublisher(Duration ackWait, int maxProfiles, MeterRegistry meters) {
    this.ackWait = ackWait;
    this.maxProfiles = maxProfiles;
    this.meters = meters;
    // Parts of the reconciler's "publish" phase (MirrorReconciler), per profile.
    this.translateTimer = meters.timer("shadow_mirroring_rebuild_phase", "phase", "translate");
    this.prepareTimer = meters.timer("shadow_mirroring_rebuild_phase", "phase", "prepare");
    this.fanOutTimer = meters.timer("shadow_mirroring_rebuild_phase", "phase", "fan-out");
    meters.gauge("shadow_mirroring_xds_profiles", profiles, m -> {
      synchronized (modelLock) {
        return m.size();
      }
    });
  }

  /** True once a model has been published: the server then has something to serve. */
  public boolean hasPublished() {
    return model != null;
  }

  /** The profile's target: what its proxies end up with once they ACKed every step. */
  public Optional<ResourceSet> target(ProxyProfile profile) {
    synchronized (modelLock) {
      Profile state = profiles.get(profile);
      return Optional.ofNullable(state == null ? null : state.target);
    }
  }

  /** The profile's target as a java-control-plane snapshot, with the same versions. */
  public Optional<Snapshot> snapshot(ProxyProfile profile) {
    return target(profile).map(SnapshotFactory::snapshot);
  }

  /**
   * Publishes the model to every profile seen so far. Called from one thread, the reconciler's; each
   * stream gets the new target and sends what it may at once, without waiting for any proxy.
   */
  public void publish(MeshModel next) {
    List<ProxyProfile> known;
    synchronized (modelLock) {
      model = next;
      preparer.nextGeneration();
      dropUnusedProfiles();
      known = new ArrayList<>(profiles.keySet());
      // Profiles with streams first, the most first: a profile kept without any (the default one, for
      // the admin API's config version) is translated after every proxy has its change.
      Map<ProxyProfile, Integer> streamCounts = new HashMap<>();
      profiles.forEach((profile, state) -> streamCounts.put(profile, state.streams.size()));
      known.sort(java.util.Comparator.comparing((ProxyProfile p) -> streamCounts.get(p)).reversed());
    }
    for (ProxyProfile profile : known) {
      // Translated outside the lock: streams attach meanwhile.
      XdsResources translated = translateTimer.record(() -> translator.translate(next, profile));
      offer(profile, translated, false);
    }
  }

  /**
   * Serves these resources, as they are, to one profile's streams: for benchmarks and tests that feed
   * hand-made resources instead of a model. Refused (logged) when they do not resolve.
   */
  public void publish(ProxyProfile profile, XdsResources resources) {
    synchronized (modelLock) {
      preparer.nextGeneration();
    }
    offer(profile, resources, true);
  }

  private void offer(ProxyProfile profile, XdsResources resources, boolean create) {
    ResourceSet target;
    List<ServingStream> streams;
    synchronized (modelLock) {
      Profile state = create ? profiles.computeIfAbsent(profile, p -> new Profile()) : profiles.get(profile);
      if (state == null) {
        return;
      }
      Optional<ResourceSet> prepared = prepareTimer.record(() -> prepare(state, profile, resources));
      if (prepared.isEmpty() || (state.target != null && state.target.key().equals(prepared.get().key()))) {
        return;
      }
      target = prepared.get();
      state.target = target;
      streams = new ArrayList<>(state.streams);
    }
    long started = System.nanoTime();
    announce(profile, target);
    for (ServingStream stream : streams) {
      stream.target(target);
    }
    fanOutTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
  }

  /** Keeps a profile's target even while no proxy uses it (the default Envoy profile). */
  public void keep(ProxyProfile profile) {
    kept.add(profile);
    synchronized (modelLock) {
      profileFor(profile);
    }
  }

  /**
   * Hands the listener each profile's current target, then every set of resources any stream will be
   * sent from now on: targets and make-before-break steps, each once, before a stream gets it. A hook
   * for tests, which check each one against Envoy's proto constraints; a listener must not throw.
   */
  public void onSnapshot(BiConsumer<ProxyProfile, Snapshot> listener) {
    Map<ProxyProfile, ResourceSet> current = new HashMap<>();
    synchronized (modelLock) {
      profiles.forEach((profile, state) -> {
        if (state.target != null) {
          current.put(profile, state.target);
        }
      });
    }
    synchronized (listeners) {
      listeners.add(listener);
      current.forEach((profile, target) -> listener.accept(profile, SnapshotFactory.snapshot(target)));
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  // --- for streams ----------------------------------------------------------------------------

  /**
   * Joins a stream to its profile and returns the profile's target, if there is one yet.
   *
   * @throws ProfileLimitException when the profile is new and there are as many as allowed
   */
  Optional<ResourceSet> attach(ServingStream stream, ProxyProfile profile) throws ProfileLimitException {
    Optional<ResourceSet> target;
    boolean created;
    synchronized (modelLock) {
      created = !profiles.containsKey(profile);
      if (created && profiles.size() >= maxProfiles) {
        dropUnusedProfiles();
        if (profiles.size() >= maxProfiles) {
          throw new ProfileLimitException("this server already serves " + profiles.size() + " proxy profiles, its "
              + "limit (--max-profiles); node metadata asks for another one: " + profile);
        }
      }
      Profile state = profileFor(profile);
      state.streams.add(stream);
      target = Optional.ofNullable(state.target);
    }
    if (created) {
      target.ifPresent(t -> announce(profile, t));
    }
    return target;
  }

  void detach(ServingStream stream, ProxyProfile profile) {
    synchronized (modelLock) {
      Profile state = profiles.get(profile);
      if (state != null) {
        state.streams.remove(stream);
      }
    }
  }

  /** The resources of a step from {@code held} towards {@code target}, shared by streams taking the same one. */
  ResourceSet step(ProxyProfile profile, MakeBeforeBreak.Kind kind, ResourceSet held, ResourceSet target) {
    if (kind == MakeBeforeBreak.Kind.FINAL) {
      return target;
    }
    String key = kind + "|" + held.key() + "|" + target.key();
    synchronized (steps) {
      ResourceSet known = steps.get(key);
      if (known != null) {
        return known;
      }
    }
    ResourceSet step = ResourceSet.of(MakeBeforeBreak.resources(kind, held, target), target.generation());
    try {
      SnapshotFactory.ensureReferencesResolve(step.resources());
    } catch (SnapshotConsistencyException e) {
      // Cannot happen when held and target are consistent; if it does, skipping the step is safer than
      // serving something that does not resolve.
      LOG.error("{}: the {} step does not resolve, going to the target at once: {}", profile, kind, e.getMessage());
      return target;
    }
    synchronized (steps) {
      steps.put(key, step);
    }
    announce(profile, step);
    return step;
  }

  ResponseBodies bodies() {
    return bodies;
  }

  /** The server's one set per distinct list of names that streams subscribe to. */
  SharedNames sharedNames() {
    return sharedNames;
  }

  /** Tells the stream once its step has waited for the ack wait, if it still waits then. */
  void watchStep(ServingStream stream, long stepNumber) {
    try {
      timer.schedule(() -> stream.stepOverdue(stepNumber, ackWait.toMillis()), ackWait.toNanos(),
          TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      // Shutting down.
    }
  }

  // --- inside ---------------------------------------------------------------------------------

  /** Under modelLock. */
  private Profile profileFor(ProxyProfile profile) {
    Profile state = profiles.get(profile);
    if (state == null) {
      state = new Profile();
      MeshModel current = model;
      if (current != null) {
        state.target = prepare(state, profile, translator.translate(current, profile)).orElse(null);
      }
      profiles.put(profile, state);
    }
    return state;
  }

  /** Under modelLock; empty (logged) when the resources do not resolve, which must never be served. */
  private Optional<ResourceSet> prepare(Profile state, ProxyProfile profile, XdsResources resources) {
    if (!SnapshotFactory.checksAs(resources, state.checked)) {
      try {
        SnapshotFactory.ensureReferencesResolve(resources);
      } catch (SnapshotConsistencyException e) {
        LOG.error("not publishing an inconsistent config for {}: {}", profile, e.getMessage());
        return Optional.empty();
      }
    }
    state.checked = resources;
    ResourceSet prepared = preparer.prepare(profile, resources);
    meters.counter("shadow_mirroring_snapshot_publishes_total", "profile", profile.kind().name()).increment();
    return Optional.of(prepared);
  }

  private void announce(ProxyProfile profile, ResourceSet resources) {
    synchronized (listeners) {
      if (!listeners.isEmpty()) {
        Snapshot snapshot = SnapshotFactory.snapshot(resources);
        listeners.forEach(listener -> listener.accept(profile, snapshot));
      }
    }
  }

  // Node metadata chooses profiles, so without this every listener port ever asked for would keep a
  // target, and be translated on every publish, forever. Under modelLock.
  private void dropUnusedProfiles() {
    profiles.entrySet().removeIf(e -> !kept.contains(e.getKey()) && e.getValue().streams.isEmpty());
    preparer.retain(profiles.keySet());
  }
}
