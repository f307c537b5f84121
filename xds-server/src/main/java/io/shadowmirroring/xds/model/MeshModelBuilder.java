package io.shadowmirroring.xds.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Derives the {@link MeshModel} from an {@link Inventory}: a pure function, with no memory of earlier
 * builds. Every replica, and every restart, given the same Services and EndpointSlices serves the same
 * bytes. A Service whose annotations are invalid is served without mirroring (as Contour serves an
 * invalid object's routes not at all rather than from memory), and the problem is reported.
 */
public final class MeshModelBuilder {
  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MirrorResolver resolver = new MirrorResolver();
  private final Exposure exposure;

  /** Every Service in scope ({@link Exposure#ALL}). */
  public MeshModelBuilder() {
    this(Exposure.ALL);
  }

  public MeshModelBuilder(Exposure exposure) {
    this.exposure = exposure;
  }

  public ModelBuild build(Inventory inventory) {
    Map<ServiceRef, ServiceInput> services = inventory.services().stream()
        .collect(Collectors.toMap(ServiceInput::ref, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    EndpointIndex endpoints = new EndpointIndex(inventory.endpointSlices());

    List<ServicePortModel> ports = new ArrayList<>();
    List<MirrorStatus> statuses = new ArrayList<>();
    List<ConfigProblem> problems = new ArrayList<>();
    for (ServiceInput service : services.values()) {
      Decision decision = decide(service, services);
      decision.problem().ifPresent(problems::add);
      statuses.add(decision.status());
      for (ServicePort port : service.ports()) {
        ClusterRef own = new ClusterRef(service.ref(), port.port());
        RoutePolicy route = decision.mirror()
            .map(m -> new RoutePolicy(m.promotedFor(port.port()).orElse(own),
                m.copiesByPort().getOrDefault(port.port(), List.of()), m.spec().methods(), m.spec().keepHost(),
                m.spec().limits()))
            .orElse(RoutePolicy.direct(own));
        ports.add(new ServicePortModel(own, port.name(), appProtocol(port),
            endpoints.addresses(service.ref(), port, service.ports().size()), route));
      }
    }
    MeshModel model = new MeshModel(ports);
    if (exposure != Exposure.ALL) {
      model = ModelScope.narrow(model, ref -> exposure.exposes(services.get(ref)));
    }
    return new ModelBuild(model, statuses, problems, endpoints.problems());
  }

  private record Decision(Optional<ResolvedMirror> mirror, MirrorStatus status, Optional<ConfigProblem> problem) {}

  private Decision decide(ServiceInput service, Map<ServiceRef, ServiceInput> services) {
    try {
      Optional<MirrorSpec> spec = parser.parse(service.ref(), service.annotations());
      if (spec.isEmpty()) {
        return new Decision(Optional.empty(), status(service, MirrorStatus.State.NONE, Optional.empty(), ""),
            Optional.empty());
      }
      ResolvedMirror resolved = resolver.resolve(service, spec.get(), services);
      MirrorStatus.State state = spec.get().promote().isPresent()
          ? MirrorStatus.State.PROMOTED : MirrorStatus.State.MIRRORING;
      return new Decision(Optional.of(resolved), status(service, state, Optional.of(resolved), ""), Optional.empty());
    } catch (InvalidMirrorConfigException e) {
      ConfigProblem problem = new ConfigProblem(service.ref(), e);
      return new Decision(Optional.empty(),
          status(service, MirrorStatus.State.INVALID, Optional.empty(), e.getMessage()), Optional.of(problem));
    }
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
