package io.shadowmirroring.xds.model;

import java.util.List;

/**
 * Everything the translator needs for one Service port: its cluster, its endpoints and its route.
 *
 * @param appProtocol the Service port's appProtocol or port-name hint, used to pick HTTP/2 upstreams
 */
public record ServicePortModel(
    ClusterRef cluster, String portName, String appProtocol, List<EndpointAddress> endpoints, RoutePolicy route) {
  public ServicePortModel {
    endpoints = endpoints.stream().sorted().distinct().toList();
  }
}
