package io.shadowmirroring.xds.translate;

import io.shadowmirroring.xds.model.ClusterRef;

/**
 * Every name the server gives an xDS resource. They are documented in the README and must stay
 * stable: dashboards and runtime overrides refer to them.
 */
public final class ResourceNames {
  /**
   * The one RTDS resource ({@code envoy.service.runtime.v3.Runtime}) served to proxies whose bootstrap has
   * the runtime layer; the bootstrap's {@code rtds_layer.name} must be exactly this.
   */
  public static final String RUNTIME_LAYER = "shadow-mirroring";

  private ResourceNames() {}

  /**
   * {@code namespace/service:port}; Kubernetes names never contain '/' or ':'. Stats use
   * {@link #clusterStatName} instead ({@code alt_stat_name}).
   */
  public static String cluster(ClusterRef ref) {
    return ref.service().namespace() + "/" + ref.service().name() + ":" + ref.port();
  }

  /**
   * The stat-safe name of the port's cluster ({@code ns_svc_port}). Envoy puts virtual host names into stat
   * names as they are ({@code vhost.<name>.route.<stat_prefix>.*}); only scope prefixes such as cluster names
   * get ':' replaced (Envoy's source/common/stats/utility.cc), and ':' is the statsd separator.
   */
  public static String virtualHost(ClusterRef ref) {
    return clusterStatName(ref);
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

  /**
   * The stat-safe name of a cluster ({@code alt_stat_name}): {@code ns_svc_port}. Kubernetes names never
   * contain '_', '.', '/' or ':', so it is unambiguous and Envoy's tag extraction keeps it whole.
   */
  public static String clusterStatName(ClusterRef ref) {
    return ref.service().namespace() + "_" + ref.service().name() + "_" + ref.port();
  }

  /**
   * The dedicated cluster that receives the copies of {@code primary}'s traffic sent to {@code target}:
   * {@code mirror/<primary cluster>/<target cluster>}. It shares the target's ClusterLoadAssignment, so its
   * stats count mirrored requests only.
   */
  public static String mirrorCluster(ClusterRef primary, ClusterRef target) {
    return "mirror/" + cluster(primary) + "/" + cluster(target);
  }

  /** The mirror cluster's {@code alt_stat_name}: {@code mirror_<primary stat name>_<target stat name>}. */
  public static String mirrorClusterStatName(ClusterRef primary, ClusterRef target) {
    return "mirror_" + clusterStatName(primary) + "_" + clusterStatName(target);
  }

  /**
   * The {@code stat_prefix} of the route that mirrors {@code primary}'s eligible requests: production's
   * stats on exactly the class of traffic the shadow sees ({@code vhost.<vh>.route.<prefix>.*}).
   */
  public static String mirroredRouteStatPrefix(ClusterRef primary) {
    return clusterStatName(primary) + "_mirrored";
  }
}
