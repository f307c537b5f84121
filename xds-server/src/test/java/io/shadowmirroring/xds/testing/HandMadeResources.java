package io.shadowmirroring.xds.testing;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.List;

/** Small Envoy resources made by hand, each valid on its own, for tests of the serving stage. */
public final class HandMadeResources {
  private HandMadeResources() {}

  private static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
      .setResourceApiVersion(ApiVersion.V3).build();

  /** An EDS cluster whose assignment has its own name; {@code timeoutMillis} lets a test change it in place. */
  public static Cluster cluster(String name, int timeoutMillis) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setConnectTimeout(Duration.newBuilder().setNanos(timeoutMillis * 1_000_000))
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS)).build();
  }

  public static ClusterLoadAssignment assignment(String cluster, String ip) {
    return ClusterLoadAssignment.newBuilder().setClusterName(cluster)
        .addEndpoints(LocalityLbEndpoints.newBuilder().setLocality(Locality.newBuilder().setZone("test"))
            .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(address(ip, 8080)))))
        .build();
  }

  /** An HTTP listener on the port whose routes come over RDS, named {@code routes}. */
  public static Listener listener(String name, int port, String routes) {
    HttpConnectionManager manager = HttpConnectionManager.newBuilder().setStatPrefix(name)
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(routes))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder().setName(name).setAddress(address("0.0.0.0", port))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(manager))))
        .build();
  }

  /** One virtual host per cluster, {@code <cluster>.test}, with a route of the given prefix. */
  public static RouteConfiguration routes(String name, String prefix, List<String> clusters) {
    RouteConfiguration.Builder config = RouteConfiguration.newBuilder().setName(name);
    for (String cluster : clusters) {
      config.addVirtualHosts(VirtualHost.newBuilder().setName(name + "-" + cluster).addDomains(cluster + ".test")
          .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(prefix))
              .setRoute(RouteAction.newBuilder().setCluster(cluster))));
    }
    return config.build();
  }

  private static Address address(String ip, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build();
  }
}
