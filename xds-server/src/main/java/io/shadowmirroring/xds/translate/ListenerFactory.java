package io.shadowmirroring.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
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

/**
 * The Envoy HTTP listener, and the api_listeners that proxyless gRPC clients need instead.
 *
 * <p>The connection manager's settings depend on the proxy's role. An edge proxy faces untrusted
 * clients and gets the HTTP settings of Envoy's "Configuring Envoy as an edge proxy"
 * (envoyproxy/envoy docs/root/configuration/best_practices/edge.rst and _include/edge.yaml):
 * {@code use_remote_address}, {@code normalize_path}, {@code merge_slashes},
 * {@code path_with_escaped_slashes_action: UNESCAPE_AND_REDIRECT}, an idle timeout of 1 h,
 * {@code headers_with_underscores_action: REJECT_REQUEST}, HTTP/2 limits of 100 streams and 64 KiB /
 * 1 MiB windows, a stream idle timeout of 5 min, and a request headers timeout (10 s, against clients
 * that trickle headers; HttpConnectionManager.request_headers_timeout is off by default). A sidecar is
 * reached through the edge or by other workloads: it keeps Envoy's defaults for the client address
 * (the X-Forwarded-For the edge set) and for header names, but normalizes paths the same way, so a
 * route matches the same request at both. Both get an access log on stdout in Envoy's default format.
 *
 * <p>Left out on purpose: {@code request_timeout} (it would cut gRPC streams and long downloads after
 * 5 min) and the 32 KiB listener buffer limit (a request body beyond the buffer limit is not mirrored,
 * so it stays at Envoy's 1 MiB).
 */
final class ListenerFactory {
  /** Envoy picks the filter by its typed_config type; this is the current name (the old one is deprecated). */
  static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";
  static final String ROUTER = "envoy.filters.http.router";
  static final String STDOUT_ACCESS_LOG = "envoy.access_loggers.stdout";

  Listener envoyListener(ProxyProfile profile) {
    int listenerPort = profile.listenerPort();
    String name = ResourceNames.envoyListener(listenerPort);
    HttpConnectionManager manager = connectionManager(
        name.replace('-', '_'), ResourceNames.envoyRouteConfiguration(listenerPort), profile.role());
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

  private static HttpConnectionManager connectionManager(
      String statPrefix, String routeConfiguration, ProxyProfile.Role role) {
    HttpConnectionManager.Builder manager = HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix)
        .setRds(Rds.newBuilder().setConfigSource(ClusterFactory.ads()).setRouteConfigName(routeConfiguration))
        .setNormalizePath(BoolValue.of(true))
        .setMergeSlashes(true)
        .setStreamIdleTimeout(seconds(300))
        .addAccessLog(AccessLog.newBuilder().setName(STDOUT_ACCESS_LOG)
            .setTypedConfig(Any.pack(StdoutAccessLog.getDefaultInstance())))
        .addHttpFilters(router());
    if (role == ProxyProfile.Role.EDGE) {
      manager.setUseRemoteAddress(BoolValue.of(true))
          .setPathWithEscapedSlashesAction(HttpConnectionManager.PathWithEscapedSlashesAction.UNESCAPE_AND_REDIRECT)
          .setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder()
              .setIdleTimeout(seconds(3600))
              .setHeadersWithUnderscoresAction(HttpProtocolOptions.HeadersWithUnderscoresAction.REJECT_REQUEST))
          .setHttp2ProtocolOptions(Http2ProtocolOptions.newBuilder()
              .setMaxConcurrentStreams(UInt32Value.of(100))
              .setInitialStreamWindowSize(UInt32Value.of(65_536))
              .setInitialConnectionWindowSize(UInt32Value.of(1_048_576)))
          .setRequestHeadersTimeout(seconds(10));
    }
    return manager.build();
  }

  private static Duration seconds(long seconds) {
    return Duration.newBuilder().setSeconds(seconds).build();
  }

  private static HttpFilter router() {
    return HttpFilter.newBuilder().setName(ROUTER).setTypedConfig(Any.pack(Router.getDefaultInstance())).build();
  }
}
