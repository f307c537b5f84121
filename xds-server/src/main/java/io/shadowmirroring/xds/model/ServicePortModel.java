package io.shadowmirroring.xds.model;

import java.util.List;

/**
 * Everything the translator needs for one Service port: its cluster, its endpoints and its route.
 *
 * @param appProtocol the Service port's appProtocol or port-name hint, used to pick HTTP/2 upstreams
 * @param routable true when the port gets a virtual host (Envoy) or an api_listener (gRPC) of its own;
 *     false when it is served only as a cluster (with its endpoints), because the route of a routable
 *     port sends to it (a mirror target, or a promoted target) while it is out of scope itself
 */
public record ServicePortModel(ClusterRef cluster, String portName, String appProtocol,
    List<EndpointAddress> endpoints, RoutePolicy route, boolean routable) {
  public ServicePortModel {
    endpoints = endpoints.stream().sorted().distinct().toList();
  }

  /** A routable port. */
  public ServicePortModel(
      ClusterRef cluster, String portName, String appProtocol, List<EndpointAddress> endpoints, RoutePolicy route) {
    this(cluster, portName, appProtocol, endpoints, route, true);
  }

  public ServicePortModel withRoutable(boolean value) {
    // The same record when nothing changes: narrowing keeps most ports as they are, and a new record would
    // sort its endpoints again.
    return value == routable ? this : new ServicePortModel(cluster, portName, appProtocol, endpoints, route, value);
  }
}
