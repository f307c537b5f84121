package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.ModelScope;
import io.shadowmirroring.xds.model.ServicePortModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A pure function from the model to Envoy resources: no I/O, sorted, the same output for the same input. */
public final class MeshTranslator {
  private final ClusterFactory clusters = new ClusterFactory();
  private final EndpointFactory endpoints = new EndpointFactory();
  private final RouteFactory routes = new RouteFactory();
  private final ListenerFactory listeners = new ListenerFactory();
  private final DomainPlanner domains = new DomainPlanner();

  public XdsResources translate(MeshModel fullModel, ProxyProfile profile) {
    MeshModel model = profile.namespaces().isEmpty() ? fullModel
        : ModelScope.narrow(fullModel, ref -> profile.serves(ref.namespace()));
    List<Cluster> clusterList = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    Map<ClusterRef, ServicePortModel> byCluster = new HashMap<>();
    model.ports().forEach(port -> byCluster.put(port.cluster(), port));
    for (ServicePortModel port : model.ports()) {
      clusterList.add(clusters.cluster(port));
      assignments.add(endpoints.loadAssignment(port));
      // Both profiles get the mirror clusters, so that every route names only clusters in the snapshot.
      for (MirrorCopy copy : port.route().mirrors()) {
        // The resolver only picks ports of existing Services, so the target is always there; were it not,
        // the snapshot check would refuse the route that names the missing mirror cluster.
        ServicePortModel target = byCluster.get(copy.cluster());
        if (target != null) {
          clusterList.add(clusters.mirrorCluster(port.cluster(), target, port.route().limits()));
        }
      }
    }
    return profile.kind() == ProxyProfile.Kind.GRPC
        ? new XdsResources(clusterList, assignments, grpcListeners(model), List.of())
        : new XdsResources(clusterList, assignments, List.of(listeners.envoyListener(profile)),
            List.of(envoyRoutes(model, profile)));
  }

  private RouteConfiguration envoyRoutes(MeshModel model, ProxyProfile profile) {
    // Ports served as clusters only (out of scope, but a route sends to them) get no virtual host.
    List<ServicePortModel> routable = model.ports().stream().filter(ServicePortModel::routable).toList();
    Map<ClusterRef, List<String>> plan = domains.plan(routable, profile.namespace());
    RouteConfiguration.Builder config =
        RouteConfiguration.newBuilder().setName(ResourceNames.envoyRouteConfiguration(profile.listenerPort()));
    for (ServicePortModel port : routable) {
      List<String> hostDomains = plan.get(port.cluster());
      if (!hostDomains.isEmpty()) {
        config.addVirtualHosts(routes.virtualHost(port, hostDomains));
      }
    }
    return config.build();
  }

  // One route configuration per api_listener: a gRPC channel only ever needs its own authority.
  private List<Listener> grpcListeners(MeshModel model) {
    List<Listener> result = new ArrayList<>();
    for (ServicePortModel port : model.ports().stream().filter(ServicePortModel::routable).toList()) {
      String name = ResourceNames.grpcListener(port.cluster());
      VirtualHost host = routes.virtualHost(port, List.of(name));
      RouteConfiguration config = RouteConfiguration.newBuilder().setName(name).addVirtualHosts(host).build();
      result.add(listeners.grpcApiListener(name, config));
    }
    return result;
  }
}
