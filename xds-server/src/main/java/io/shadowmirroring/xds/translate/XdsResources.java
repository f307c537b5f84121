package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Comparator;
import java.util.List;

/** The four resource types for one proxy profile, each sorted by name. */
public record XdsResources(
    List<Cluster> clusters,
    List<ClusterLoadAssignment> endpoints,
    List<Listener> listeners,
    List<RouteConfiguration> routes) {

  public XdsResources {
    clusters = clusters.stream().sorted(Comparator.comparing(Cluster::getName)).toList();
    endpoints = endpoints.stream().sorted(Comparator.comparing(ClusterLoadAssignment::getClusterName)).toList();
    listeners = listeners.stream().sorted(Comparator.comparing(Listener::getName)).toList();
    routes = routes.stream().sorted(Comparator.comparing(RouteConfiguration::getName)).toList();
  }
}
