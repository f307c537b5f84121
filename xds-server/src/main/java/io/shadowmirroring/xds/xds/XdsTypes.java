package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.cache.Resources;
import java.util.List;

/** The resource types this server serves, in the order a change goes out (CDS → EDS → LDS → RDS → RTDS). */
public final class XdsTypes {
  public static final String CLUSTER = Resources.V3.CLUSTER_TYPE_URL;
  public static final String ENDPOINT = Resources.V3.ENDPOINT_TYPE_URL;
  public static final String LISTENER = Resources.V3.LISTENER_TYPE_URL;
  public static final String ROUTE = Resources.V3.ROUTE_TYPE_URL;
  /** RTDS layers; java-control-plane's SimpleCache does not know this type. */
  public static final String RUNTIME = "type.googleapis.com/envoy.service.runtime.v3.Runtime";

  /** Every served type, in sending order: clusters and their endpoints before the routes naming them. */
  public static final List<String> SERVED = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE, RUNTIME);

  private XdsTypes() {}

  public static boolean served(String typeUrl) {
    return SERVED.contains(typeUrl);
  }

  /**
   * Whether a state-of-the-world response must carry every resource of the type. Only Listener and
   * Cluster responses must (xDS protocol, envoyproxy/envoy docs/root/api-docs/xds_protocol.rst,
   * "Grouping Resources into Responses"); a resource left out of them is deleted. RDS, EDS and RTDS
   * responses may carry only what changed: Envoy fires a named watch only for the resources present
   * (source/common/config/grpc_mux_impl.cc), and grpc-java's XdsResourceType keeps the ones left out.
   */
  public static boolean fullState(String typeUrl) {
    return typeUrl.equals(CLUSTER) || typeUrl.equals(LISTENER);
  }

  /** The legacy wildcard (a first request naming nothing means "all") exists only for LDS and CDS. */
  public static boolean emptyMeansWildcard(String typeUrl) {
    return fullState(typeUrl);
  }

  public static String shortName(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
