package io.shadowmirroring.xds.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Derives the {@link MeshModel} from an {@link Inventory}: a pure function of the inventory. Every replica,
 * and every restart, given the same Services and EndpointSlices serves the same bytes. A Service whose
 * annotations are invalid is served without mirroring (as Contour serves an invalid object's routes not
 * at all rather than from memory), and the problem is reported.
 *
 * <p>The builder remembers its last build ({@link LastBuild}): each Service and EndpointSlice in the
 * inventory's order, what it became, and what that was a function of (the Service, its checked slices and
 * its mirror targets' Services). The next build walks the new inventory beside it. An object that is the
 * very same one (as a source that keeps its converted objects gives them) costs one reference comparison;
 * only the Services that changed, whose slices changed, or whose mirror targets changed are looked at
 * again, and a Service whose inputs turn out equal keeps its last result, which is what building it again
 * would give. So one EndpointSlice event costs a walk of references and the re-derivation of one Service,
 * with no hashing per Service (at 5,000 Services, hashing each one was three quarters of the cost), and the
 * model's unchanged ports are the very same records (which the translator's memo then compares by
 * reference). The memo holds the last build only, and a fresh builder gives equal results.
 */
public final class MeshModelBuilder {
  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MirrorResolver resolver = new MirrorResolver();
  private final Exposure exposure;
  // Guarded by this: one build at a time (the reconciler's, or a prediction's).
  private LastBuild last = LastBuild.NONE;

  /** Every Service in scope ({@link Exposure#ALL}). */
  public MeshModelBuilder() {
    this(Exposure.ALL);
  }

  public MeshModelBuilder(Exposure exposure) {
    this.exposure = exposure;
  }

  /**
   * What one Service became, and what that was a function of.
   *
   * @param slices the Service's checked slices, in name order
   * @param targets the Services its parsed mirror spec names, in order
   * @param targetInputs those Services as they were (null for one that did not exist)
   */
  record ServiceOutputs(ServiceInput service, List<EndpointIndex.CheckedSlice> slices,
      List<ServiceRef> targets, List<ServiceInput> targetInputs, List<ServicePortModel> ports, MirrorStatus status,
      Optional<ConfigProblem> problem) {

    boolean madeFrom(ServiceInput current, List<EndpointIndex.CheckedSlice> currentSlices,
        Map<ServiceRef, ServiceInput> services) {
      if (!same(service, current) || slices.size() != currentSlices.size()) {
        return false;
      }
      for (int i = 0; i < slices.size(); i++) {
        // Checked slices are kept per slice input, so an unchanged slice is the very same record.
        if (slices.get(i) != currentSlices.get(i) && !slices.get(i).equals(currentSlices.get(i))) {
          return false;
        }
      }
      for (int i = 0; i < targets.size(); i++) {
        ServiceInput was = targetInputs.get(i);
        ServiceInput now = services.get(targets.get(i));
        if (was == null ? now != null : now == null || !same(was, now)) {
          return false;
        }
      }
      return true;
    }

    boolean mirrorsAny(Set<ServiceRef> refs) {
      for (ServiceRef target : targets) {
        if (refs.contains(target)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Marks the position of {@code ref} in {@code services} (sorted by ref), if it is there. */
  private static void mark(boolean[] named, ServiceInput[] services, ServiceRef ref) {
    int low = 0;
    int high = services.length - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      int order = services[middle].ref().compareTo(ref);
      if (order == 0) {
        named[middle] = true;
        return;
      }
      if (order < 0) {
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
  }

  private static boolean same(Object a, Object b) {
    return a == b || a.equals(b);
  }

  public synchronized ModelBuild build(Inventory inventory) {
    try {
      return buildBeside(last, inventory);
    } catch (RuntimeException | Error e) {
      // The memo may be half updated: the next build starts afresh.
      last = LastBuild.NONE;
      throw e;
    }
  }

  private ModelBuild buildBeside(LastBuild was, Inventory inventory) {
    ServiceWalk services = ServiceWalk.beside(was, inventory.services());
    SliceWalk slices = SliceWalk.beside(was, inventory.endpointSlices());
    Map<ServiceRef, ServiceInput> byRef = services.changed().isEmpty() ? was.byRef : services.byRef();

    int count = services.count();
    // The few Services a change names, marked by position: the walk below then hashes no ref.
    boolean[] named = new boolean[count];
    services.changed().forEach(ref -> mark(named, services.services(), ref));
    slices.touched().forEach(ref -> mark(named, services.services(), ref));
    ServiceOutputs[] outputs = new ServiceOutputs[count];
    boolean anyRebuilt = count != was.services.length;
    for (int i = 0; i < count; i++) {
      ServiceInput service = services.services()[i];
      ServiceOutputs prior = services.prior()[i];
      ServiceRef ref = service.ref();
      boolean affected = prior == null || named[i]
          || (!services.changed().isEmpty() && prior.mirrorsAny(services.changed()));
      if (affected) {
        List<EndpointIndex.CheckedSlice> own = slices.byService().getOrDefault(ref, List.of());
        ServiceOutputs out = prior != null && prior.madeFrom(service, own, byRef) ? prior : derive(service, own, byRef);
        anyRebuilt |= out != prior;
        outputs[i] = out;
      } else {
        outputs[i] = prior;
      }
    }

    ModelBuild result;
    if (!anyRebuilt && !slices.changed() && was.result != null) {
      result = was.result;
    } else {
      List<ServicePortModel> ports = new ArrayList<>(was.result == null ? count : was.result.model().ports().size());
      List<MirrorStatus> statuses = new ArrayList<>(count);
      List<ConfigProblem> problems = new ArrayList<>();
      for (ServiceOutputs out : outputs) {
        out.problem().ifPresent(problems::add);
        statuses.add(out.status());
        ports.addAll(out.ports());
      }
      List<EndpointProblem> endpointProblems;
      if (!slices.changed() && was.result != null) {
        endpointProblems = was.result.endpointProblems();
      } else {
        endpointProblems = new ArrayList<>();
        for (EndpointIndex.CheckedSlice checked : slices.checked()) {
          endpointProblems.addAll(checked.problems());
        }
      }
      MeshModel model = new MeshModel(ports);
      if (exposure != Exposure.ALL) {
        model = ModelScope.narrow(model, ref -> exposure.exposes(byRef.get(ref)));
      }
      result = new ModelBuild(model, statuses, problems, endpointProblems);
    }
    last = new LastBuild(services.services(), outputs, byRef, slices.inputs(), slices.checked(), slices.byService(),
        slices.duplicateKeys(), result);
    return result;
  }

  private ServiceOutputs derive(ServiceInput service, List<EndpointIndex.CheckedSlice> slices,
      Map<ServiceRef, ServiceInput> services) {
    // A spec that parses depends on its targets even when they fail to resolve (one that appears later
    // makes it valid), so they are remembered whatever the decision.
    Optional<MirrorSpec> spec = Optional.empty();
    Decision decision;
    try {
      spec = parser.parse(service.ref(), service.annotations());
      decision = decide(service, spec, services);
    } catch (InvalidMirrorConfigException e) {
      decision = invalid(service, e);
    }
    List<ServiceRef> targets = spec.map(s -> s.targets().stream().map(TargetSpec::service).toList())
        .orElse(List.of());
    List<ServiceInput> targetInputs = new ArrayList<>(targets.size());
    targets.forEach(target -> targetInputs.add(services.get(target)));

    List<ServicePortModel> ports = new ArrayList<>(service.ports().size());
    for (ServicePort port : service.ports()) {
      ClusterRef own = new ClusterRef(service.ref(), port.port());
      RoutePolicy route = decision.mirror()
          .map(m -> new RoutePolicy(m.promotedFor(port.port()).orElse(own),
              m.copiesByPort().getOrDefault(port.port(), List.of()), m.spec().methods(), m.spec().keepHost(),
              m.spec().limits()))
          .orElse(RoutePolicy.direct(own));
      ports.add(new ServicePortModel(own, port.name(), appProtocol(port),
          EndpointIndex.addresses(slices, port, service.ports().size()), route));
    }
    return new ServiceOutputs(service, slices, targets, java.util.Collections.unmodifiableList(targetInputs),
        List.copyOf(ports), decision.status(), decision.problem());
  }

  private record Decision(Optional<ResolvedMirror> mirror, MirrorStatus status, Optional<ConfigProblem> problem) {}

  private Decision decide(ServiceInput service, Optional<MirrorSpec> spec, Map<ServiceRef, ServiceInput> services)
      throws InvalidMirrorConfigException {
    if (spec.isEmpty()) {
      return new Decision(Optional.empty(), status(service, MirrorStatus.State.NONE, Optional.empty(), ""),
          Optional.empty());
    }
    ResolvedMirror resolved = resolver.resolve(service, spec.get(), services);
    MirrorStatus.State state = spec.get().promote().isPresent()
        ? MirrorStatus.State.PROMOTED : MirrorStatus.State.MIRRORING;
    return new Decision(Optional.of(resolved), status(service, state, Optional.of(resolved), ""), Optional.empty());
  }

  private static Decision invalid(ServiceInput service, InvalidMirrorConfigException e) {
    ConfigProblem problem = new ConfigProblem(service.ref(), e);
    return new Decision(Optional.empty(),
        status(service, MirrorStatus.State.INVALID, Optional.empty(), e.getMessage()), Optional.of(problem));
  }

  private static MirrorStatus status(
      ServiceInput service, MirrorStatus.State state, Optional<ResolvedMirror> mirror, String error) {
    Map<Integer, String> appProtocols = new HashMap<>();
    service.ports().forEach(port -> appProtocols.put(port.port(), appProtocol(port)));
    return new MirrorStatus(service.ref(), state, mirror.map(ResolvedMirror::spec), error,
        mirror.map(ResolvedMirror::copiesByPort).orElse(Map.of()),
        mirror.map(ResolvedMirror::promotedByPort).orElse(Map.of()), service.annotations(),
        mirror.map(m -> MirrorNotices.of(m, appProtocols)).orElse(List.of()));
  }

  // Envoy needs to know which upstreams speak HTTP/2 (gRPC); Kubernetes says so by appProtocol or,
  // by Istio's convention, by a port name prefix.
  private static String appProtocol(ServicePort port) {
    if (!port.appProtocol().isEmpty()) {
      return port.appProtocol();
    }
    String name = port.name();
    if (name.equals("grpc") || name.startsWith("grpc-") || name.equals("http2") || name.startsWith("http2-")
        || name.equals("h2c") || name.startsWith("h2c-")) {
      return name.startsWith("grpc") ? "grpc" : "h2c";
    }
    return "";
  }
}
