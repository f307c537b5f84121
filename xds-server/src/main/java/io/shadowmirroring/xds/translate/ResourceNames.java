package io.shadowmirroring.xds.translate;

import io.shadowmirroring.xds.model.ClusterRef;

/**
 * Every name the server gives an xDS resource. They are documented in the README and must stay
 * stable: dashboards and runtime overrides refer to them.
 */
public final class ResourceNames {
  private ResourceNames() {}

  /**
   * {@code namespace/service:port}. No dots, so Envoy's stat tag extraction keeps the whole name in
   * {@code cluster.<name>.upstream_rq_*}; Kubernetes names never contain '/' or ':'.
   */
  public static String cluster(ClusterRef ref) {
    return ref.service().namespace() + "/" + ref.service().name() + ":" + ref.port();
  }

  public static String virtualHost(ClusterRef ref) {
    return cluster(ref);
  }

  /** The Envoy HTTP listener, and its route configuration, for a listener port. */
  public static String envoyListener(int listenerPort) {
    return "shadow-mirroring-http-" + listenerPort;
  }

  public static String envoyRouteConfiguration(int listenerPort) {
    return envoyListener(listenerPort);
  }

  /** What a proxyless gRPC client asks for when dialing {@code xds:///name.ns.svc.cluster.local:port}. */
  public static String grpcListener(ClusterRef ref) {
    return ref.service().fqdn() + ":" + ref.port();
  }

  /**
   * The Envoy runtime key that overrides one mirror's share:
   * {@code shadow_mirroring.<ns>.<svc>.<port>.mirror.<target-ns>.<target-svc>.<target-port>}.
   */
  public static String mirrorRuntimeKey(ClusterRef primary, ClusterRef target) {
    return "shadow_mirroring." + primary.service().namespace() + "." + primary.service().name() + "."
        + primary.port() + ".mirror." + target.service().namespace() + "." + target.service().name() + "."
        + target.port();
  }
}
