package io.shadowmirroring.xds.model;

import java.util.List;

/**
 * An EndpointSlice ({@code discovery.k8s.io/v1}) reduced to what EDS needs.
 *
 * @param serviceName the owning Service, from the {@code kubernetes.io/service-name} label
 */
public record EndpointSliceInput(
    String namespace, String name, String serviceName, List<Port> ports, List<Endpoint> endpoints) {

  public EndpointSliceInput {
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }

  /** A slice port; its name matches the Service port name, its number is the resolved targetPort. */
  public record Port(String name, int port) {
    public Port {
      name = name == null ? "" : name;
    }
  }

  /**
   * One endpoint. Kubernetes treats its addresses as fungible and consumers use the first one.
   *
   * @param ready false only when the slice says {@code ready: false}; unset means ready
   * @param zone the endpoint's zone, empty when unknown
   */
  public record Endpoint(List<String> addresses, boolean ready, String zone) {
    public Endpoint {
      addresses = List.copyOf(addresses);
      zone = zone == null ? "" : zone;
    }
  }
}
