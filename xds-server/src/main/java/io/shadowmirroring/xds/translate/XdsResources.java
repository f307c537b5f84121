package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import java.util.Comparator;
import java.util.List;

/**
 * The resource types for one proxy profile, each sorted by name. {@code runtimes} holds the RTDS layers
 * (type {@code type.googleapis.com/envoy.service.runtime.v3.Runtime}); empty for profiles without one.
 */
public record XdsResources(
    List<Cluster> clusters,
    List<ClusterLoadAssignment> endpoints,
    List<Listener> listeners,
    List<RouteConfiguration> routes,
    List<Runtime> runtimes) {

  public XdsResources {
    clusters = clusters.stream().sorted(Comparator.comparing(Cluster::getName)).toList();
    endpoints = endpoints.stream().sorted(Comparator.comparing(ClusterLoadAssignment::getClusterName)).toList();
    listeners = listeners.stream().sorted(Comparator.comparing(Listener::getName)).toList();
    routes = routes.stream().sorted(Comparator.comparing(RouteConfiguration::getName)).toList();
    runtimes = runtimes.stream().sorted(Comparator.comparing(Runtime::getName)).toList();
  }

  /** Without runtime layers. */
  public XdsResources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
      List<RouteConfiguration> routes) {
    this(clusters, endpoints, listeners, routes, List.of());
  }
}
