package io.shadowmirroring.xds.translate.nginx;

import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MethodSet;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Every name the nginx config uses. Upstreams take the cluster's stat-safe name ({@code ns_svc_port}),
 * which is a valid upstream name and the same string Envoy's dashboards use. nginx variable names
 * allow only letters, digits and '_', so the '-' of Kubernetes names becomes '_'; two Services whose
 * names differ only there would share a variable, which the renderer refuses rather than guess.
 */
final class NginxNames {
  /** The Host of a copy: the primary's Host with {@code -shadow} appended to its host part. */
  static final String SHADOW_HOST = "sm_shadow_host";
  static final String SHADOW_HOST_NAME_CAPTURE = "sm_shadow_host_name";
  static final String SHADOW_HOST_PORT_CAPTURE = "sm_shadow_host_port";
  /** Internal locations live under this prefix; a client request for it gets a 404. */
  static final String MIRROR_LOCATION_PREFIX = "/_shadow-mirroring/mirror/";

  private NginxNames() {}

  static String upstream(ClusterRef cluster) {
    return ResourceNames.clusterStatName(cluster);
  }

  static String mirrorLocation(ClusterRef target) {
    return MIRROR_LOCATION_PREFIX + upstream(target);
  }

  /** {@code 1} when this request is copied from {@code primary} to {@code target}, else {@code 0}. */
  static String copyVariable(ClusterRef primary, ClusterRef target) {
    return "sm_copy_" + variablePart(upstream(primary)) + "__to__" + variablePart(upstream(target));
  }

  /** {@code 1} when the request's method is one of {@code methods}, else {@code 0}. */
  static String methodsVariable(MethodSet methods) {
    return "sm_methods_" + methods.methods().stream()
        .map(m -> variablePart(m.toLowerCase(Locale.ROOT)))
        .collect(Collectors.joining("_"));
  }

  /**
   * The per-target salt of the percentage hash: each target hashes a different string, so the shares
   * of two targets are independent, as Envoy's separate runtime fractions are.
   */
  static String copySalt(ClusterRef primary, ClusterRef target) {
    return ResourceNames.cluster(primary) + ">" + ResourceNames.cluster(target);
  }

  private static String variablePart(String name) {
    return name.replace('-', '_');
  }
}
