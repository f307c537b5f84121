package io.shadowmirroring.xds.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Derives the {@link MeshModel} from an {@link Inventory}: a pure function of the inventory. Every replica,
 * and every restart, given the same Services and EndpointSlices serves the same bytes. A Service whose
 * annotations are invalid is served without mirroring (as Contour serves an invalid object's routes not
 * at all rather than from memory), and the problem is reported.
 *
 * <p>The builder remembers what the last build made of each EndpointSlice and each Service, next to the
 * inputs it was made from: the slice; the Service, its checked slices and its mirror targets' Services.
 * When they are the same (the same objects, as a source that keeps its converted objects gives them, or
 * equal ones), the last result is taken as it is: it is what building it again would give. So a build
 * after one change costs a lookup and a comparison per unchanged Service, and the model's unchanged ports
 * are the very same records (which the translator's memo then compares by reference). The memo is a cache
 * of the last build only (entries for objects gone are dropped), and a fresh builder gives equal results.
 */
public final class MeshModelBuilder {
  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MirrorResolver resolver = new MirrorResolver();
  private final Exposure exposure;
  // Guarded by this: one build at a time (the reconciler's, or a prediction's).
  private Map<SliceKey, EndpointIndex.CheckedSlice> lastSlices = new HashMap<>();
  private Map<ServiceRef, ServiceOutputs> lastServices = new HashMap<>();

  /** Every Service in scope ({@link Exposure#ALL}). */
  public MeshModelBuilder() {
    this(Exposure.ALL);
  }

  public MeshModelBuilder(Exposure exposure) {
    this.exposure = exposure;
  }

  private record SliceKey(String namespace, String name) {}

  /**
   * What one Service became, and what that was a function of.
   *
   * @param slices the Service's checked slices, in name order
   * @param targets the Services its parsed mirror spec names, in order
   * @param targetInputs those Services as they were (null for one that did not exist)
   */
  private record ServiceOutputs(ServiceInput service, List<EndpointIndex.CheckedSlice> slices,
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
  }

  private static boolean same(Object a, Object b) {
    return a == b || a.equals(b);
  }

  public synchronized ModelBuild build(Inventory inventory) {
    Map<ServiceRef, ServiceInput> services = new LinkedHashMap<>(capacity(inventory.services().size()));
    for (ServiceInput service : inventory.services()) {
      services.putIfAbsent(service.ref(), service);
    }

    Map<SliceKey, EndpointIndex.CheckedSlice> slices = new HashMap<>(capacity(inventory.endpointSlices().size()));
    Map<ServiceRef, List<EndpointIndex.CheckedSlice>> slicesByService = new HashMap<>(capacity(services.size()));
    List<EndpointProblem> endpointProblems = new ArrayList<>();
    // The inventory's slices are in name order, so each Service's list is too.
    for (EndpointSliceInput slice : inventory.endpointSlices()) {
      SliceKey key = new SliceKey(slice.namespace(), slice.name());
      EndpointIndex.CheckedSlice checked = lastSlices.get(key);
      if (checked == null || !same(checked.input(), slice)) {
        checked = EndpointIndex.check(slice);
      }
      slices.put(key, checked);
      endpointProblems.addAll(checked.problems());
      if (checked.service() != null) {
        slicesByService.computeIfAbsent(checked.service(), k -> new ArrayList<>(1)).add(checked);
      }
    }

    List<ServicePortModel> ports = new ArrayList<>(services.size());
    List<MirrorStatus> statuses = new ArrayList<>(services.size());
    List<ConfigProblem> problems = new ArrayList<>();
    Map<ServiceRef, ServiceOutputs> outputs = new HashMap<>(capacity(services.size()));
    for (ServiceInput service : services.values()) {
      List<EndpointIndex.CheckedSlice> own = slicesByService.getOrDefault(service.ref(), List.of());
      ServiceOutputs out = lastServices.get(service.ref());
      if (out == null || !out.madeFrom(service, own, services)) {
        out = derive(service, own, services);
      }
      outputs.put(service.ref(), out);
      out.problem().ifPresent(problems::add);
      statuses.add(out.status());
      ports.addAll(out.ports());
    }
    lastSlices = slices;
    lastServices = outputs;

    MeshModel model = new MeshModel(ports);
    if (exposure != Exposure.ALL) {
      model = ModelScope.narrow(model, ref -> exposure.exposes(services.get(ref)));
    }
    return new ModelBuild(model, statuses, problems, endpointProblems);
  }

  private static int capacity(int entries) {
    return entries * 4 / 3 + 1;
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
