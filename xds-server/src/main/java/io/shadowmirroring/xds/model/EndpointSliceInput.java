package io.shadowmirroring.xds.model;

import java.util.List;

/**
 * An EndpointSlice ({@code discovery.k8s.io/v1}) reduced to what EDS needs.
 *
 * @param serviceName the owning Service, from the {@code kubernetes.io/service-name} label
 * @param addressType the slice's {@code addressType}: {@code IPv4}, {@code IPv6} or {@code FQDN}
 */
public record EndpointSliceInput(String namespace, String name, String serviceName, String addressType,
    List<Port> ports, List<Endpoint> endpoints) {

  public static final String IPV4 = "IPv4";
  public static final String IPV6 = "IPv6";
  public static final String FQDN = "FQDN";

  public EndpointSliceInput {
    addressType = addressType == null ? "" : addressType;
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }

  /** An IPv4 slice. */
  public EndpointSliceInput(String namespace, String name, String serviceName, List<Port> ports,
      List<Endpoint> endpoints) {
    this(namespace, name, serviceName, IPV4, ports, endpoints);
  }

  /** A slice port; its name matches the Service port name, its number is the resolved targetPort. */
  public record Port(String name, int port) {
    public Port {
      name = name == null ? "" : name;
    }
  }

  /**
   * One endpoint. Kubernetes treats its addresses as fungible and consumers use the first one.
   * The conditions are already defaulted as the EndpointSlice API says: an unset {@code ready} means
   * ready, an unset {@code serving} means whatever {@code ready} says, an unset {@code terminating}
   * means not terminating.
   *
   * @param ready the endpoint takes traffic; false for a terminating endpoint
   * @param zone the endpoint's zone, empty when unknown
   * @param serving like ready, but regardless of terminating
   */
  public record Endpoint(List<String> addresses, boolean ready, String zone, boolean serving, boolean terminating) {
    public Endpoint {
      addresses = List.copyOf(addresses);
      zone = zone == null ? "" : zone;
    }

    /** An endpoint that is not terminating. */
    public Endpoint(List<String> addresses, boolean ready, String zone) {
      this(addresses, ready, zone, ready, false);
    }
  }
}
