package io.shadowmirroring.xds.source;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.shadowmirroring.xds.model.ConfigProblem;
import io.shadowmirroring.xds.model.EndpointProblem;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-threaded loop from source to proxies: on each (debounced) change it rebuilds the model
 * from the source's inventory, reports new problems, and publishes.
 */
public final class MirrorReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MirrorReconciler.class);

  private final ConfigSource source;
  private final SnapshotPublisher publisher;
  private final MeshModelBuilder builder;
  private final Debouncer debouncer;
  // Reporting calls the API server; it must never hold back a publish.
  private final java.util.concurrent.ExecutorService reporter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
    Thread thread = new Thread(r, "problem-reporter");
    thread.setDaemon(true);
    return thread;
  });
  private final Timer rebuildTimer;
  private final Timer inventoryTimer;
  private final Timer modelTimer;
  private final Timer publishTimer;
  private final Timer waitTimer;
  /** When the oldest change not yet taken by a rebuild came (System.nanoTime), 0 for none. */
  private final AtomicLong oldestUnbuilt = new AtomicLong();
  private final AtomicInteger invalidConfigs = new AtomicInteger();
  private final AtomicReference<ModelBuild> lastBuild = new AtomicReference<>();
  private final Map<ServiceRef, String> reportedProblems = new HashMap<>();
  private final java.util.Set<String> reportedEndpointProblems = new java.util.HashSet<>();
  private final List<Consumer<ModelBuild>> listeners = new CopyOnWriteArrayList<>();

  public MirrorReconciler(ConfigSource source, SnapshotPublisher publisher, Duration debounce,
      Duration maxDelay, MeterRegistry meters) {
    this(source, new MeshModelBuilder(), publisher, debounce, maxDelay, meters);
  }

  public MirrorReconciler(ConfigSource source, MeshModelBuilder builder, SnapshotPublisher publisher,
      Duration debounce, Duration maxDelay, MeterRegistry meters) {
    this.source = source;
    this.builder = builder;
    this.publisher = publisher;
    this.debouncer = new Debouncer("reconciler", debounce, maxDelay, this::rebuild);
    this.rebuildTimer = meters.timer("shadow_mirroring_rebuild");
    // Where a rebuild's time goes: reading the source, the model, and the publish (translation and
    // fan-out to the streams, which the publisher does in one step).
    this.inventoryTimer = meters.timer("shadow_mirroring_rebuild_phase", "phase", "inventory");
    this.modelTimer = meters.timer("shadow_mirroring_rebuild_phase", "phase", "model");
    this.publishTimer = meters.timer("shadow_mirroring_rebuild_phase", "phase", "publish");
    // Before all of them: how long the oldest change a rebuild takes had waited for it (the debounce).
    this.waitTimer = meters.timer("shadow_mirroring_rebuild_phase", "phase", "wait");
    meters.gauge("shadow_mirroring_invalid_mirror_configs", invalidConfigs);
  }

  public void start() throws Exception {
    source.start(this::changed);
    debouncer.runNow();
  }

  private void changed() {
    oldestUnbuilt.compareAndSet(0, System.nanoTime());
    debouncer.trigger();
  }

  /**
   * Told about every build, on the reconciler thread, after it is published.
   *
   * @return stops the listener
   */
  public Runnable onBuild(Consumer<ModelBuild> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** The latest build, or null before the source has synced. */
  public ModelBuild lastBuild() {
    return lastBuild.get();
  }

  /**
   * The model builder: a pure function of the inventory (its memo only saves time), so predictions build
   * exactly what the next rebuild will.
   */
  public MeshModelBuilder builder() {
    return builder;
  }

  /** Asks for a rebuild as if the source had changed. */
  public void poke() {
    changed();
  }

  private void rebuild() {
    if (!source.synced()) {
      LOG.debug("source {} has not synced yet; serving nothing", source.describe());
      return;
    }
    long oldest = oldestUnbuilt.getAndSet(0);
    if (oldest != 0) {
      waitTimer.record(System.nanoTime() - oldest, TimeUnit.NANOSECONDS);
    }
    rebuildTimer.record(() -> {
      Inventory inventory = inventoryTimer.record(source::inventory);
      ModelBuild build = modelTimer.record(() -> builder.build(inventory));
      publishTimer.record(() -> publisher.publish(build.model()));
      report(build.problems());
      reportEndpoints(build.endpointProblems());
      lastBuild.set(build);
      invalidConfigs.set((int) build.statuses().stream()
          .filter(s -> s.state() == MirrorStatus.State.INVALID).count());
      LOG.debug("published {} service ports", build.model().ports().size());
      for (Consumer<ModelBuild> listener : listeners) {
        try {
          listener.accept(build);
        } catch (RuntimeException e) {
          LOG.warn("a build listener failed: {}", e.getMessage());
        }
      }
    });
  }

  // Each distinct problem is logged and reported once, not on every rebuild.
  private void report(List<ConfigProblem> problems) {
    Map<ServiceRef, String> current = new HashMap<>();
    for (ConfigProblem problem : problems) {
      current.put(problem.service(), problem.message());
      if (!problem.message().equals(reportedProblems.get(problem.service()))) {
        LOG.warn(problem.message());
        reporter.execute(() -> {
          try {
            source.problemReporter().report(problem);
          } catch (RuntimeException e) {
            LOG.warn("could not report the problem on {}: {}", problem.service(), e.getMessage());
          }
        });
      }
    }
    reportedProblems.clear();
    reportedProblems.putAll(current);
  }

  // Each distinct endpoint problem is logged once while it lasts.
  private void reportEndpoints(List<EndpointProblem> problems) {
    java.util.Set<String> current = new java.util.HashSet<>();
    for (EndpointProblem problem : problems) {
      current.add(problem.message());
      if (!reportedEndpointProblems.contains(problem.message())) {
        LOG.warn(problem.message());
      }
    }
    reportedEndpointProblems.clear();
    reportedEndpointProblems.addAll(current);
  }

  @Override
  public void close() {
    debouncer.close();
    reporter.shutdownNow();
  }
}
