package io.shadowmirroring.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.ServicePortModel;
import java.util.Set;

/**
 * One EDS cluster per Service port, its endpoints fetched over ADS, and one mirror cluster per mirrored
 * (primary port, target) pair.
 *
 * <p>Every cluster sets {@code alt_stat_name}, so its stats are {@code cluster.<ns>_<svc>_<port>.*}: without
 * it Envoy would name them after {@code ns/svc:port} with ':' turned into '_' (Envoy's
 * source/common/stats/utility.cc, sanitizeStatsName: ':' is reserved in statsd).
 */
final class ClusterFactory {
  static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  private static final Set<String> HTTP2_PROTOCOLS = Set.of("grpc", "h2c", "http2", "kubernetes.io/h2c");
  private static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(5).build();

  static ConfigSource ads() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  Cluster cluster(ServicePortModel port) {
    String name = ResourceNames.cluster(port.cluster());
    return edsCluster(name, ResourceNames.clusterStatName(port.cluster()), name, port.appProtocol()).build();
  }

  /**
   * The cluster that receives {@code primary}'s copies for {@code target}. It reads the target's own
   * ClusterLoadAssignment ({@code eds_cluster_config.service_name}), so it reaches the same endpoints, but
   * its stats count copies only, even when the target is also called directly through the same proxy.
   *
   * <p>Its circuit breakers bound what a slow or dead shadow can hold: Envoy sends a copy through the
   * mirror cluster's async client (Envoy's source/common/router/shadow_writer_impl.cc), so the cluster's
   * connection pools and breakers apply, and copies refused on overflow count in its
   * {@code upstream_rq_pending_overflow}.
   */
  Cluster mirrorCluster(ClusterRef primary, ServicePortModel target, MirrorLimits limits) {
    return edsCluster(ResourceNames.mirrorCluster(primary, target.cluster()),
        ResourceNames.mirrorClusterStatName(primary, target.cluster()),
        ResourceNames.cluster(target.cluster()), target.appProtocol())
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setPriority(RoutingPriority.DEFAULT)
            .setMaxConnections(UInt32Value.of(limits.maxConnections()))
            .setMaxPendingRequests(UInt32Value.of(limits.maxPendingRequests()))
            .setMaxRequests(UInt32Value.of(limits.maxRequests()))))
        .build();
  }

  private static Cluster.Builder edsCluster(String name, String statName, String serviceName, String appProtocol) {
    Cluster.Builder cluster = Cluster.newBuilder()
        .setName(name)
        .setAltStatName(statName)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()).setServiceName(serviceName))
        .setConnectTimeout(CONNECT_TIMEOUT)
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
    if (HTTP2_PROTOCOLS.contains(appProtocol)) {
      HttpProtocolOptions http2 = HttpProtocolOptions.newBuilder()
          .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
          .build();
      cluster.putTypedExtensionProtocolOptions(HTTP_PROTOCOL_OPTIONS, Any.pack(http2));
    }
    return cluster;
  }
}
