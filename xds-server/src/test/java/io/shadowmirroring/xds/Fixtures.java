package io.shadowmirroring.xds;

import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServicePort;
import io.shadowmirroring.xds.model.ServiceRef;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Small builders for the source-agnostic inputs, so that a test states only what it is about:
 * {@code service("shop", "cart").mirrorTo("cart-v2").port("http", 80).build()}.
 */
public final class Fixtures {
  private Fixtures() {}

  public static ServiceBuilder service(String namespace, String name) {
    return new ServiceBuilder(new ServiceRef(namespace, name));
  }

  /** An EndpointSlice owned by {@code serviceName} (its {@code kubernetes.io/service-name} label). */
  public static SliceBuilder slice(String namespace, String name, String serviceName) {
    return new SliceBuilder(namespace, name, serviceName);
  }

  public static Inventory inventory(List<ServiceInput> services, List<EndpointSliceInput> slices) {
    return new Inventory(services, slices);
  }

  public static Inventory inventory(ServiceBuilder... services) {
    return new Inventory(Arrays.stream(services).map(ServiceBuilder::build).toList(), List.of());
  }

  public static Map<ServiceRef, ServiceInput> byRef(ServiceInput... services) {
    return Arrays.stream(services).collect(Collectors.toMap(
        ServiceInput::ref, Function.identity(), (a, b) -> a, LinkedHashMap::new));
  }

  public static ServiceRef ref(String namespace, String name) {
    return new ServiceRef(namespace, name);
  }

  public static final class ServiceBuilder {
    private final ServiceRef ref;
    private final Map<String, String> annotations = new LinkedHashMap<>();
    private final List<ServicePort> ports = new ArrayList<>();

    private ServiceBuilder(ServiceRef ref) {
      this.ref = ref;
    }

    /** Any annotation, with its full key. */
    public ServiceBuilder annotate(String key, String value) {
      annotations.put(key, value);
      return this;
    }

    public ServiceBuilder mirrorTo(String value) {
      return annotate(MirrorAnnotations.MIRROR_TO, value);
    }

    public ServiceBuilder percentage(String value) {
      return annotate(MirrorAnnotations.MIRROR_PERCENTAGE, value);
    }

    public ServiceBuilder methods(String value) {
      return annotate(MirrorAnnotations.MIRROR_METHODS, value);
    }

    public ServiceBuilder promote(String value) {
      return annotate(MirrorAnnotations.PROMOTE, value);
    }

    public ServiceBuilder keepHost(String value) {
      return annotate(MirrorAnnotations.KEEP_HOST, value);
    }

    public ServiceBuilder port(String name, int port) {
      return port(name, port, "");
    }

    public ServiceBuilder port(String name, int port, String appProtocol) {
      ports.add(new ServicePort(name, port, "TCP", appProtocol));
      return this;
    }

    /** An unnamed port, as single-port Services may have. */
    public ServiceBuilder port(int port) {
      return port("", port);
    }

    public ServiceRef ref() {
      return ref;
    }

    public ServiceInput build() {
      return new ServiceInput(ref, annotations, ports);
    }
  }

  public static final class SliceBuilder {
    private final String namespace;
    private final String name;
    private final String serviceName;
    private final List<EndpointSliceInput.Port> ports = new ArrayList<>();
    private final List<EndpointSliceInput.Endpoint> endpoints = new ArrayList<>();

    private SliceBuilder(String namespace, String name, String serviceName) {
      this.namespace = namespace;
      this.name = name;
      this.serviceName = serviceName;
    }

    /** A slice port: the Service port's name and the resolved targetPort number. */
    public SliceBuilder port(String portName, int targetPort) {
      ports.add(new EndpointSliceInput.Port(portName, targetPort));
      return this;
    }

    /** An unnamed slice port, as Kubernetes writes for a Service whose only port has no name. */
    public SliceBuilder port(int targetPort) {
      return port("", targetPort);
    }

    public SliceBuilder ready(String ip) {
      return ready(ip, "");
    }

    public SliceBuilder ready(String ip, String zone) {
      endpoints.add(new EndpointSliceInput.Endpoint(List.of(ip), true, zone));
      return this;
    }

    public SliceBuilder notReady(String ip) {
      endpoints.add(new EndpointSliceInput.Endpoint(List.of(ip), false, ""));
      return this;
    }

    public EndpointSliceInput build() {
      return new EndpointSliceInput(namespace, name, serviceName, ports, endpoints);
    }
  }
}
