package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.EndpointAddress;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.ModelScope;
import io.shadowmirroring.xds.model.RoutePolicy;
import io.shadowmirroring.xds.model.ServicePortModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pure function from the model to Envoy resources: no I/O, sorted, the same output for the same input.
 *
 * <p>An instance remembers the per-Service outputs of its last translations ({@link TranslationMemo}), so the
 * instance the publisher keeps re-translates only the Services that changed, then assembles the sorted lists.
 * That changes no output: a fresh instance gives the same bytes.
 */
public final class MeshTranslator {
  private final ClusterFactory clusters = new ClusterFactory();
  private final EndpointFactory endpoints = new EndpointFactory();
  private final RouteFactory routes = new RouteFactory();
  private final ListenerFactory listeners = new ListenerFactory();
  private final DomainPlanner domains = new DomainPlanner();
  private final RuntimeLayerFactory runtimeLayers = new RuntimeLayerFactory();
  private final TranslationMemo memo = new TranslationMemo();

  // The memo's keys: each holds exactly what its output is a function of.
  private record ClusterKey(ClusterRef cluster, String appProtocol) {}

  private record AssignmentKey(ClusterRef cluster, List<EndpointAddress> endpoints) {}

  private record MirrorClusterKey(ClusterRef primary, ClusterRef target, String targetAppProtocol,
      MirrorLimits limits) {}

  private record VirtualHostKey(ClusterRef cluster, RoutePolicy route, List<String> domains,
      boolean runtimeLayer) {}

  private record GrpcListenerKey(ClusterRef cluster, RoutePolicy route) {}

  private record DomainPlanKey(List<ClusterRef> routable, String namespace) {}

  public XdsResources translate(MeshModel fullModel, ProxyProfile profile) {
    memo.startTranslating(fullModel);
    MeshModel model = profile.namespaces().isEmpty() ? fullModel
        : ModelScope.narrow(fullModel, ref -> profile.serves(ref.namespace()));
    List<Cluster> clusterList = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    Map<ClusterRef, ServicePortModel> byCluster = new HashMap<>();
    model.ports().forEach(port -> byCluster.put(port.cluster(), port));
    for (ServicePortModel port : model.ports()) {
      clusterList.add(memo.get(new ClusterKey(port.cluster(), port.appProtocol()), () -> clusters.cluster(port)));
      assignments.add(memo.get(new AssignmentKey(port.cluster(), port.endpoints()),
          () -> endpoints.loadAssignment(port)));
      // Both profiles get the mirror clusters, so that every route names only clusters in the snapshot.
      for (MirrorCopy copy : port.route().mirrors()) {
        // The resolver only picks ports of existing Services, so the target is always there; were it not,
        // the snapshot check would refuse the route that names the missing mirror cluster.
        ServicePortModel target = byCluster.get(copy.cluster());
        if (target != null) {
          MirrorLimits limits = port.route().limits();
          clusterList.add(memo.get(
              new MirrorClusterKey(port.cluster(), target.cluster(), target.appProtocol(), limits),
              () -> clusters.mirrorCluster(port.cluster(), target, limits)));
        }
      }
    }
    if (profile.kind() == ProxyProfile.Kind.GRPC) {
      return new XdsResources(clusterList, assignments, grpcListeners(model), List.of());
    }
    List<ServicePortModel> routed = new ArrayList<>();
    RouteConfiguration routeConfiguration = envoyRoutes(model, profile, routed);
    List<Runtime> runtimes = profile.runtimeLayer() ? List.of(runtimeLayers.layer(routed)) : List.of();
    return new XdsResources(clusterList, assignments, List.of(listeners.envoyListener(profile)),
        List.of(routeConfiguration), runtimes);
  }

  /** The route configuration; adds the ports that got a virtual host to {@code routed}. */
  private RouteConfiguration envoyRoutes(MeshModel model, ProxyProfile profile, List<ServicePortModel> routed) {
    // Ports served as clusters only (out of scope, but a route sends to them) get no virtual host.
    List<ServicePortModel> routable = model.ports().stream().filter(ServicePortModel::routable).toList();
    // The plan depends on the routable ports' names only, so an endpoint or annotation change reuses it.
    Map<ClusterRef, List<String>> plan = memo.get(
        new DomainPlanKey(routable.stream().map(ServicePortModel::cluster).toList(), profile.namespace()),
        () -> domains.plan(routable, profile.namespace()));
    RouteConfiguration.Builder config =
        RouteConfiguration.newBuilder().setName(ResourceNames.envoyRouteConfiguration(profile.listenerPort()));
    List<VirtualHost> hosts = new ArrayList<>(routable.size());
    for (ServicePortModel port : routable) {
      List<String> hostDomains = plan.get(port.cluster());
      if (!hostDomains.isEmpty()) {
        hosts.add(memo.get(
            new VirtualHostKey(port.cluster(), port.route(), hostDomains, profile.runtimeLayer()),
            () -> routes.virtualHost(port, hostDomains, profile.runtimeLayer())));
        routed.add(port);
      }
    }
    return config.addAllVirtualHosts(hosts).build();
  }

  // One route configuration per api_listener: a gRPC channel only ever needs its own authority.
  private List<Listener> grpcListeners(MeshModel model) {
    List<Listener> result = new ArrayList<>();
    for (ServicePortModel port : model.ports().stream().filter(ServicePortModel::routable).toList()) {
      result.add(memo.get(new GrpcListenerKey(port.cluster(), port.route()), () -> grpcListener(port)));
    }
    return result;
  }

  private Listener grpcListener(ServicePortModel port) {
    String name = ResourceNames.grpcListener(port.cluster());
    VirtualHost host = routes.virtualHost(port, List.of(name), false);
    RouteConfiguration config = RouteConfiguration.newBuilder().setName(name).addVirtualHosts(host).build();
    return listeners.grpcApiListener(name, config);
  }
}
