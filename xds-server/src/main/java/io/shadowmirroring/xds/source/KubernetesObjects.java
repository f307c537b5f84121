package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServicePort;
import io.shadowmirroring.xds.model.ServiceRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reduces fabric8's Kubernetes objects to the source-agnostic inputs; shared by every source. */
public final class KubernetesObjects {
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  private KubernetesObjects() {}

  public static ServiceInput service(Service service, String defaultNamespace) {
    String namespace = Optional.ofNullable(service.getMetadata().getNamespace()).orElse(defaultNamespace);
    List<ServicePort> ports = Optional.ofNullable(service.getSpec())
        .map(spec -> spec.getPorts()).orElse(List.of()).stream()
        .map(p -> new ServicePort(p.getName(), p.getPort() == null ? 0 : p.getPort(), p.getProtocol(),
            p.getAppProtocol()))
        .filter(p -> p.port() > 0 && p.protocol().equals("TCP"))
        .toList();
    Map<String, String> annotations = Optional.ofNullable(service.getMetadata().getAnnotations()).orElse(Map.of());
    return new ServiceInput(new ServiceRef(namespace, service.getMetadata().getName()), annotations, ports);
  }

  public static EndpointSliceInput endpointSlice(EndpointSlice slice, String defaultNamespace) {
    String namespace = Optional.ofNullable(slice.getMetadata().getNamespace()).orElse(defaultNamespace);
    Map<String, String> labels = Optional.ofNullable(slice.getMetadata().getLabels()).orElse(Map.of());
    List<EndpointSliceInput.Port> ports = Optional.ofNullable(slice.getPorts()).orElse(List.of()).stream()
        .filter(p -> p.getPort() != null)
        .map(p -> new EndpointSliceInput.Port(p.getName(), p.getPort()))
        .toList();
    List<EndpointSliceInput.Endpoint> endpoints = Optional.ofNullable(slice.getEndpoints()).orElse(List.of())
        .stream()
        .map(KubernetesObjects::endpoint)
        .toList();
    return new EndpointSliceInput(namespace, slice.getMetadata().getName(), labels.get(SERVICE_NAME_LABEL),
        slice.getAddressType(), ports, endpoints);
  }

  // Unset conditions as discovery.k8s.io/v1 EndpointConditions says: ready unset means ready; serving
  // unset defers to ready; terminating unset means not terminating.
  private static EndpointSliceInput.Endpoint endpoint(Endpoint endpoint) {
    EndpointConditions conditions = Optional.ofNullable(endpoint.getConditions()).orElse(new EndpointConditions());
    boolean ready = conditions.getReady() == null || conditions.getReady();
    boolean serving = conditions.getServing() == null ? ready : conditions.getServing();
    boolean terminating = conditions.getTerminating() != null && conditions.getTerminating();
    return new EndpointSliceInput.Endpoint(Optional.ofNullable(endpoint.getAddresses()).orElse(List.of()), ready,
        endpoint.getZone(), serving, terminating);
  }
}
