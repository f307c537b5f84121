package io.shadowmirroring.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The same config as the server serves an Envoy node, as one static bootstrap, for users who run no
 * control plane: clusters become STATIC with their endpoints inline, and routes move into the
 * listener. A pure function, like the rest of the translator.
 */
public final class StaticEnvoyConfig {
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
    for (Listener listener : envoy.listeners()) {
      resources.addListeners(inlineRoutes(listener, routes));
    }
    return Bootstrap.newBuilder()
        .setAdmin(Admin.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(9901))))
        .setStaticResources(resources)
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
