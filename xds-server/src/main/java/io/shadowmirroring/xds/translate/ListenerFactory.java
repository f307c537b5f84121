package io.shadowmirroring.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

/** The Envoy HTTP listener, and the api_listeners that proxyless gRPC clients need instead. */
final class ListenerFactory {
  /**
   * Envoy picks the filter by its typed_config type, so the name is only a label. This one is the
   * label java-control-plane's {@code Snapshot.ensureConsistent()} looks for when it checks that every
   * route configuration a listener names is in the snapshot.
   */
  static final String HTTP_CONNECTION_MANAGER = "envoy.http_connection_manager";
  static final String ROUTER = "envoy.filters.http.router";

  Listener envoyListener(int listenerPort) {
    String name = ResourceNames.envoyListener(listenerPort);
    HttpConnectionManager manager = connectionManager(
        name.replace('-', '_'), ResourceNames.envoyRouteConfiguration(listenerPort));
    return Listener.newBuilder()
        .setName(name)
        .setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(listenerPort)))
        .addFilterChains(FilterChain.newBuilder().addFilters(
            Filter.newBuilder().setName(HTTP_CONNECTION_MANAGER).setTypedConfig(Any.pack(manager))))
        .build();
  }

  /**
   * Envoy rejects api_listeners, so these are only ever served to gRPC clients. The routes are inline:
   * one fewer round trip for the client, and java-control-plane's consistency check does not follow
   * RDS references out of api_listeners.
   */
  Listener grpcApiListener(String name, RouteConfiguration routes) {
    HttpConnectionManager manager = HttpConnectionManager.newBuilder()
        .setStatPrefix(name)
        .setRouteConfig(routes)
        .addHttpFilters(router())
        .build();
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(manager)))
        .build();
  }

  private static HttpConnectionManager connectionManager(String statPrefix, String routeConfiguration) {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix)
        .setRds(Rds.newBuilder().setConfigSource(ClusterFactory.ads()).setRouteConfigName(routeConfiguration))
        .addHttpFilters(router())
        .build();
  }

  private static HttpFilter router() {
    return HttpFilter.newBuilder().setName(ROUTER).setTypedConfig(Any.pack(Router.getDefaultInstance())).build();
  }
}
