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
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Every change the admin API makes: edit a Service's mirror annotations, check the result exactly as
 * the annotation parser and resolver would, write it through to the source of truth, and optionally
 * wait until it is served. Nothing is kept only here; the annotations are the record.
 */
public final class MirrorEditor {
  private final ConfigSource source;
  private final MirrorReconciler reconciler;
  private final ConfigVersions versions;
  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MirrorResolver resolver = new MirrorResolver();

  public MirrorEditor(ConfigSource source, MirrorReconciler reconciler, ConfigVersions versions) {
    this.source = source;
    this.reconciler = reconciler;
    this.versions = versions;
  }

  /**
   * What a change led to.
   *
   * @param configVersion the version that serves the change (computed ahead when not waiting)
   */
  public record Outcome(Optional<MirrorStatus> status, String configVersion, boolean served) {}

  /**
   * @param edit turns the current mirror annotations into the wanted ones
   * @throws StatusException UNAVAILABLE before the first build (nothing is written then), NOT_FOUND for an
   *     unknown Service, INVALID_ARGUMENT with the parser's exact
   *     message for an invalid result (nothing is written then), UNAVAILABLE when the write fails
   */
  public Outcome apply(ServiceRef ref, UnaryOperator<Map<String, String>> edit, boolean wait, Duration timeout)
      throws StatusException {
    // One edit at a time, each starting from the live annotations: two quick edits must not undo each other.
    Map<String, String> wanted;
    String willServe;
    synchronized (this) {
      // Never validate or write against an unsynced view: a Service not listed yet would be "not found",
      // and targets not listed yet would fail validation. The admin guard refuses first; this is the floor.
      if (reconciler.lastBuild() == null) {
        throw ReadinessGuard.notReady();
      }
      Map<ServiceRef, ServiceInput> services = source.inventory().services().stream()
          .collect(Collectors.toMap(ServiceInput::ref, Function.identity(), (a, b) -> a));
      ServiceInput cached = services.get(ref);
      if (cached == null) {
        throw Status.NOT_FOUND.withDescription("service " + ref + " not found").asException();
      }
      ServiceInput current = new ServiceInput(ref, liveAnnotations(ref), cached.ports());
      wanted = new TreeMap<>(edit.apply(mirrorAnnotations(current.annotations())));
      willServe = write(ref, current, wanted, services);
    }
    reconciler.poke();
    if (!wait) {
      return new Outcome(Optional.empty(), willServe, false);
    }
    return awaitServed(ref, wanted, timeout);
  }

  private Map<String, String> liveAnnotations(ServiceRef ref) throws StatusException {
    try {
      return source.annotationWriter().currentAnnotations(ref);
    } catch (AnnotationWriter.ServiceNotFoundException e) {
      throw Status.NOT_FOUND.withDescription(e.getMessage()).asException();
    } catch (IOException e) {
      throw Status.UNAVAILABLE.withDescription(e.getMessage()).asException();
    }
  }

  private String write(ServiceRef ref, ServiceInput current, Map<String, String> wanted,
      Map<ServiceRef, ServiceInput> services) throws StatusException {
    ServiceInput edited = validate(current, wanted, services);
    List<ServiceInput> after = new ArrayList<>(services.values());
    after.replaceAll(s -> s.ref().equals(ref) ? edited : s);
    String willServe = versions.predict(new Inventory(after, source.inventory().endpointSlices()));
    try {
      source.annotationWriter().replaceMirrorAnnotations(ref, wanted);
    } catch (AnnotationWriter.ServiceNotFoundException e) {
      throw Status.NOT_FOUND.withDescription(e.getMessage()).asException();
    } catch (IOException e) {
      throw Status.UNAVAILABLE.withDescription("could not write the annotations: " + e.getMessage()).asException();
    }
    return willServe;
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

  // Served means: a build that saw the new annotations has been published to the snapshot cache.
  private Outcome awaitServed(ServiceRef ref, Map<String, String> wanted, Duration timeout) throws StatusException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      ModelBuild build = reconciler.lastBuild();
      Optional<MirrorStatus> status = build == null ? Optional.empty()
          : build.statuses().stream().filter(s -> s.service().equals(ref)).findFirst();
      if (status.isPresent() && mirrorAnnotations(status.get().annotations()).equals(wanted)) {
        return new Outcome(status, versions.current(), true);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw Status.DEADLINE_EXCEEDED.withDescription("the change to " + ref
        + " was written but not yet served after " + timeout.toMillis() + " ms").asException();
  }
}
