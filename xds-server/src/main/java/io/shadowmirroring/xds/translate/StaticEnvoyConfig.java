package io.shadowmirroring.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.metrics.v3.MetricsServiceConfig;
import io.envoyproxy.envoy.config.metrics.v3.StatsSink;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The same config as the server serves an Envoy node, as one static bootstrap, for users who run no
 * control plane: clusters become STATIC with their endpoints inline, and routes move into the
 * listener. A pure function, like the rest of the translator.
 *
 * <p>Like every shipped bootstrap it sends Envoy's stats to the server's metrics service, here through
 * a cluster {@value #XDS_CLUSTER} on the laptop address of envoy-configs/local.yaml (127.0.0.1:18000).
 * Without a server there, the sink's stream just fails and is tried again at the next flush.
 */
public final class StaticEnvoyConfig {
  /** The cluster the metrics sink uses: the one every other shipped bootstrap uses for ADS. */
  public static final String XDS_CLUSTER = "xds_cluster";
  /** The sink's registered name (Envoy: source/extensions/stat_sinks/metrics_service/config.h). */
  public static final String METRICS_SERVICE_SINK = "envoy.stat_sinks.metrics_service";
  private static final String SERVER_ADDRESS = "127.0.0.1";
  private static final int SERVER_PORT = 18000;
  // Envoy's own default (bootstrap.proto: "If not specified the default is 5000ms"), written out so
  // the server's window arithmetic and the config visibly agree.
  private static final Duration STATS_FLUSH_INTERVAL = Duration.newBuilder().setSeconds(5).build();

  private StaticEnvoyConfig() {}

  public static Bootstrap bootstrap(XdsResources envoy) {
    Map<String, ClusterLoadAssignment> endpoints = envoy.endpoints().stream()
        .collect(Collectors.toMap(ClusterLoadAssignment::getClusterName, Function.identity()));
    Map<String, RouteConfiguration> routes = envoy.routes().stream()
        .collect(Collectors.toMap(RouteConfiguration::getName, Function.identity()));
    Bootstrap.StaticResources.Builder resources = Bootstrap.StaticResources.newBuilder();
    for (Cluster cluster : envoy.clusters()) {
      // A mirror cluster reads its target's assignment (EDS service_name); inline a copy of it.
      String serviceName = cluster.getEdsClusterConfig().getServiceName();
      ClusterLoadAssignment assignment = endpoints.get(serviceName.isEmpty() ? cluster.getName() : serviceName);
      resources.addClusters(cluster.toBuilder()
          .clearEdsClusterConfig()
          .setType(Cluster.DiscoveryType.STATIC)
          .setLoadAssignment(assignment.toBuilder().setClusterName(cluster.getName())));
    }
    resources.addClusters(xdsCluster());
    for (Listener listener : envoy.listeners()) {
      resources.addListeners(inlineRoutes(listener, routes));
    }
    return Bootstrap.newBuilder()
        .setAdmin(Admin.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(9901))))
        .setStaticResources(resources)
        .addStatsSinks(metricsSink())
        .setStatsFlushInterval(STATS_FLUSH_INTERVAL)
        .build();
  }

  // Field names from Envoy's api/envoy/config/metrics/v3/metrics_service.proto; counters stay
  // cumulative and tags stay in the names (the defaults), which is what the server reads.
  private static StatsSink metricsSink() {
    return StatsSink.newBuilder()
        .setName(METRICS_SERVICE_SINK)
        .setTypedConfig(Any.pack(MetricsServiceConfig.newBuilder()
            .setTransportApiVersion(ApiVersion.V3)
            .setGrpcService(GrpcService.newBuilder()
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(XDS_CLUSTER)))
            .build()))
        .build();
  }

  // gRPC needs HTTP/2 to the upstream, as in envoy-configs/local.yaml.
  private static Cluster xdsCluster() {
    HttpProtocolOptions http2 = HttpProtocolOptions.newBuilder()
        .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
        .build();
    return Cluster.newBuilder()
        .setName(XDS_CLUSTER)
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Duration.newBuilder().setSeconds(1))
        .putTypedExtensionProtocolOptions(ClusterFactory.HTTP_PROTOCOL_OPTIONS, Any.pack(http2))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder()
            .setClusterName(XDS_CLUSTER)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                    SocketAddress.newBuilder().setAddress(SERVER_ADDRESS).setPortValue(SERVER_PORT)))))))
        .build();
  }

  private static Listener inlineRoutes(Listener listener, Map<String, RouteConfiguration> routes) {
    Listener.Builder result = listener.toBuilder().clearFilterChains();
    for (FilterChain chain : listener.getFilterChainsList()) {
      FilterChain.Builder newChain = chain.toBuilder().clearFilters();
      for (Filter filter : chain.getFiltersList()) {
        if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
          HttpConnectionManager manager = unpack(filter.getTypedConfig());
          HttpConnectionManager inline = manager.toBuilder()
              .clearRds()
              .setRouteConfig(routes.get(manager.getRds().getRouteConfigName()))
              .build();
          newChain.addFilters(filter.toBuilder().setTypedConfig(Any.pack(inline)));
        } else {
          newChain.addFilters(filter);
        }
      }
      result.addFilterChains(newChain);
    }
    return result.build();
  }

  private static HttpConnectionManager unpack(Any any) {
    try {
      return any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the translator packed an unreadable HttpConnectionManager", e);
    }
  }
}
