package io.shadowmirroring.xds.admin;

import io.grpc.Status;
import io.grpc.StatusException;
import io.shadowmirroring.xds.model.InvalidMirrorConfigException;
import io.shadowmirroring.xds.model.MirrorAnnotationParser;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.MirrorResolver;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.AnnotationWriter;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.MirrorReconciler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import io.shadowmirroring.xds.model.Inventory;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every change the admin API makes: edit a Service's mirror annotations, check the result exactly as
 * the annotation parser and resolver would, write it through to the source of truth, and optionally
 * wait until it is served. Nothing is kept only here; the annotations are the record.
 *
 * <p>Edits of one Service run one at a time, each starting from the live annotations, so two quick
 * edits cannot undo each other; edits of different Services do not wait for each other. Writers
 * outside this process (kubectl, another replica, an editor) are handled by a conditional write: an
 * edit whose read went stale is re-read and re-applied, up to {@link #MAX_WRITE_ATTEMPTS} times, then
 * fails with ABORTED; it never overwrites the other change. The version
 * prediction (a full translation) runs outside that lock.
 */
public final class MirrorEditor {
  /** Writes of one change before giving up when others keep changing the same Service. */
  static final int MAX_WRITE_ATTEMPTS = 5;
  private static final Logger LOG = LoggerFactory.getLogger(MirrorEditor.class);

  private final ConfigSource source;
  private final MirrorReconciler reconciler;
  private final ConfigVersions versions;
  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MirrorResolver resolver = new MirrorResolver();
  // One lock object per Service ever edited: bounded by the number of Services.
  private final ConcurrentHashMap<ServiceRef, Object> locks = new ConcurrentHashMap<>();
  private final AtomicLong conflicts = new AtomicLong();

  public MirrorEditor(ConfigSource source, MirrorReconciler reconciler, ConfigVersions versions) {
    this.source = source;
    this.reconciler = reconciler;
    this.versions = versions;
  }

  /**
   * What a change led to.
   *
   * @param configVersion the version that serves the change (computed ahead when not waiting)
   * @param served true once a build with the change is published and every connected proxy of the
   *     config version's profile has ACKed the route configuration that carries it
   */
  public record Outcome(Optional<MirrorStatus> status, String configVersion, boolean served) {}

  /**
   * @param edit turns the current mirror annotations into the wanted ones
   * @throws StatusException UNAVAILABLE before the first build (nothing is written then), NOT_FOUND for an
   *     unknown Service, INVALID_ARGUMENT with the parser's exact
   *     message for an invalid result (nothing is written then), UNAVAILABLE when the write fails, ABORTED
   *     when others changed the Service under every attempt (nothing is written then)
   */
  public Outcome apply(ServiceRef ref, UnaryOperator<Map<String, String>> edit, boolean wait, Duration timeout)
      throws StatusException {
    Map<String, String> wanted;
    Inventory after;
    // Never validate or write against an unsynced view: a Service not listed yet would be "not found",
    // and targets not listed yet would fail validation. The admin guard refuses first; this is the floor.
    if (reconciler.lastBuild() == null) {
      throw ReadinessGuard.notReady();
    }
    synchronized (locks.computeIfAbsent(ref, r -> new Object())) {
      Inventory inventory = source.inventory();
      Map<ServiceRef, ServiceInput> services = inventory.services().stream()
          .collect(Collectors.toMap(ServiceInput::ref, Function.identity(), (a, b) -> a));
      ServiceInput cached = services.get(ref);
      if (cached == null) {
        throw Status.NOT_FOUND.withDescription("service " + ref + " not found").asException();
      }
      // Read, edit, write on condition that nothing changed since the read; when someone else wrote in
      // between (kubectl, another replica, an editor), read again and apply the edit on top of theirs.
      for (int attempt = 1; ; attempt++) {
        AnnotationWriter.Stored stored = read(ref);
        ServiceInput current = new ServiceInput(ref, stored.annotations(), cached.ports());
        wanted = new TreeMap<>(edit.apply(mirrorAnnotations(current.annotations())));
        ServiceInput edited = validate(current, wanted, services);
        try {
          write(ref, stored, wanted);
          List<ServiceInput> changed = new ArrayList<>(services.values());
          changed.replaceAll(s -> s.ref().equals(ref) ? edited : s);
          after = new Inventory(changed, inventory.endpointSlices());
          break;
        } catch (AnnotationWriter.ConflictException e) {
          conflicts.incrementAndGet();
          if (attempt == MAX_WRITE_ATTEMPTS) {
            throw Status.ABORTED.withDescription("the annotations of " + ref + " changed under each of "
                + MAX_WRITE_ATTEMPTS + " attempts to write this change (" + e.getMessage()
                + "); nothing was written, try again").asException();
          }
          LOG.info("write to {} conflicted with another writer ({}); re-reading (attempt {} of {})", ref,
              e.getMessage(), attempt + 1, MAX_WRITE_ATTEMPTS);
          pauseBeforeRetry(attempt);
        }
      }
    }
    reconciler.poke();
    String willServe = versions.predict(after);
    if (!wait) {
      return new Outcome(Optional.empty(), willServe, false);
    }
    return awaitServed(ref, wanted, timeout);
  }

  /** How many writes found the annotations changed under them and were re-applied (or given up). */
  public long conflicts() {
    return conflicts.get();
  }

  // Two replicas retrying in lockstep would collide again: wait a random, growing moment.
  private static void pauseBeforeRetry(int attempt) throws StatusException {
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(5, 20L * attempt + 10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted while retrying a write").asException();
    }
  }

  private AnnotationWriter.Stored read(ServiceRef ref) throws StatusException {
    try {
      return source.annotationWriter().read(ref);
    } catch (AnnotationWriter.ServiceNotFoundException e) {
      throw Status.NOT_FOUND.withDescription(e.getMessage()).asException();
    } catch (IOException e) {
      throw Status.UNAVAILABLE.withDescription(e.getMessage()).asException();
    }
  }

  private void write(ServiceRef ref, AnnotationWriter.Stored base, Map<String, String> wanted)
      throws StatusException, AnnotationWriter.ConflictException {
    try {
      source.annotationWriter().replaceMirrorAnnotations(ref, base, wanted);
    } catch (AnnotationWriter.ServiceNotFoundException e) {
      throw Status.NOT_FOUND.withDescription(e.getMessage()).asException();
    } catch (IOException e) {
      throw Status.UNAVAILABLE.withDescription("could not write the annotations: " + e.getMessage()).asException();
    }
  }

  public static Map<String, String> mirrorAnnotations(Map<String, String> annotations) {
    return annotations.entrySet().stream()
        .filter(e -> e.getKey().startsWith(MirrorAnnotations.PREFIX))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  private ServiceInput validate(ServiceInput current, Map<String, String> wanted,
      Map<ServiceRef, ServiceInput> services) throws StatusException {
    Map<String, String> all = new HashMap<>(current.annotations());
    all.keySet().removeIf(k -> k.startsWith(MirrorAnnotations.PREFIX));
    all.putAll(wanted);
    ServiceInput edited = new ServiceInput(current.ref(), all, current.ports());
    Map<ServiceRef, ServiceInput> withEdit = new HashMap<>(services);
    withEdit.put(edited.ref(), edited);
    try {
      Optional<MirrorSpec> spec = parser.parse(edited.ref(), all);
      if (spec.isPresent()) {
        resolver.resolve(edited, spec.get(), withEdit);
      }
    } catch (InvalidMirrorConfigException e) {
      throw Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException();
    }
    return edited;
  }

  /**
   * Served means: a build that saw the new annotations has been published (a build is published before
   * it becomes the last build), and every proxy of the config version's profile connected at that
   * moment or later has ACKed the route configuration served then or since. Proxies of other profiles
   * (other listener ports, gRPC clients) are not waited for.
   */
  private Outcome awaitServed(ServiceRef ref, Map<String, String> wanted, Duration timeout) throws StatusException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<MirrorStatus> published = Optional.empty();
    List<String> notAcked = List.of();
    while (System.nanoTime() < deadline) {
      if (published.isEmpty()) {
        ModelBuild build = reconciler.lastBuild();
        published = (build == null ? Optional.<MirrorStatus>empty()
            : build.statuses().stream().filter(s -> s.service().equals(ref)).findFirst())
            .filter(s -> mirrorAnnotations(s.annotations()).equals(wanted));
      }
      if (published.isPresent()) {
        notAcked = versions.proxiesNotAcked();
        if (notAcked.isEmpty()) {
          return new Outcome(published, versions.current(), true);
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (published.isEmpty()) {
      throw Status.DEADLINE_EXCEEDED.withDescription("the change to " + ref
          + " was written but not yet published after " + timeout.toMillis() + " ms").asException();
    }
    throw Status.DEADLINE_EXCEEDED.withDescription("the change to " + ref + " is published in config version "
        + versions.current() + " but not yet ACKed after " + timeout.toMillis() + " ms by " + notAcked.size()
        + " of the " + versions.connectedProxies() + " connected " + versions.profile() + " proxies: "
        + String.join(", ", notAcked)).asException();
  }
}
