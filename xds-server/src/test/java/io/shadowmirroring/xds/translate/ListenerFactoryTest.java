package io.shadowmirroring.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.PathWithEscapedSlashesAction;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.xds.SnapshotFactory;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Envoy listener per role. Edge values follow Envoy's "Configuring Envoy as an edge proxy"
 * (envoyproxy/envoy docs/root/configuration/best_practices/edge.rst, _include/edge.yaml).
 */
class ListenerFactoryTest {
  private static HttpConnectionManager manager(ProxyProfile profile) throws Exception {
    Listener listener = new ListenerFactory().envoyListener(profile);
    Filter filter = listener.getFilterChains(0).getFilters(0);
    assertThat(filter.getName()).isEqualTo("envoy.filters.network.http_connection_manager");
    return filter.getTypedConfig().unpack(HttpConnectionManager.class);
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  @Test
  @DisplayName("an edge proxy gets Envoy's edge best practices")
  void edge() throws Exception {
    HttpConnectionManager edge = manager(ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, ""));

    assertThat(edge.getUseRemoteAddress()).isEqualTo(BoolValue.of(true));
    assertThat(edge.getNormalizePath()).isEqualTo(BoolValue.of(true));
    assertThat(edge.getMergeSlashes()).isTrue();
    assertThat(edge.getPathWithEscapedSlashesAction()).isEqualTo(PathWithEscapedSlashesAction.UNESCAPE_AND_REDIRECT);
    assertThat(edge.getCommonHttpProtocolOptions()).isEqualTo(HttpProtocolOptions.newBuilder()
        .setIdleTimeout(seconds(3600))
        .setHeadersWithUnderscoresAction(HttpProtocolOptions.HeadersWithUnderscoresAction.REJECT_REQUEST).build());
    assertThat(edge.getHttp2ProtocolOptions()).isEqualTo(Http2ProtocolOptions.newBuilder()
        .setMaxConcurrentStreams(UInt32Value.of(100)).setInitialStreamWindowSize(UInt32Value.of(65536))
        .setInitialConnectionWindowSize(UInt32Value.of(1048576)).build());
    assertThat(edge.getStreamIdleTimeout()).isEqualTo(seconds(300));
    assertThat(edge.getRequestHeadersTimeout()).isEqualTo(seconds(10));
    assertThat(edge.hasRequestTimeout()).as("would cut gRPC streams").isFalse();
    assertThat(edge.getAccessLogList()).singleElement().satisfies(log -> {
      assertThat(log.getName()).isEqualTo("envoy.access_loggers.stdout");
      assertThat(log.getTypedConfig().is(StdoutAccessLog.class)).isTrue();
    });
  }

  @Test
  @DisplayName("a sidecar keeps Envoy's defaults for client address and header names, and normalizes paths like the edge")
  void sidecar() throws Exception {
    HttpConnectionManager sidecar = manager(ProxyProfile.envoy(15001, ProxyProfile.Role.SIDECAR, "shop"));

    assertThat(sidecar.hasUseRemoteAddress()).isFalse();
    assertThat(sidecar.hasCommonHttpProtocolOptions()).isFalse();
    assertThat(sidecar.hasHttp2ProtocolOptions()).isFalse();
    assertThat(sidecar.hasRequestHeadersTimeout()).isFalse();
    assertThat(sidecar.getNormalizePath()).isEqualTo(BoolValue.of(true));
    assertThat(sidecar.getMergeSlashes()).isTrue();
    assertThat(sidecar.getStreamIdleTimeout()).isEqualTo(seconds(300));
    assertThat(sidecar.getAccessLogCount()).isEqualTo(1);
    assertThat(sidecar.getRds().getRouteConfigName()).isEqualTo("shadow-mirroring-http-15001");
  }

  @Test
  @DisplayName("the project's consistency check accepts the current filter name, which java-control-plane's ensureConsistent does not")
  void currentFilterNameIsConsistent() throws Exception {
    XdsResources resources = new MeshTranslator().translate(MeshModel.empty(), ProxyProfile.envoy(10000));

    SnapshotFactory.consistentSnapshot(resources);

    assertThatThrownBy(() -> io.envoyproxy.controlplane.cache.v3.Snapshot.create(List.of(), List.of(),
            resources.listeners(), resources.routes(), List.of(), "v").ensureConsistent())
        .as("java-control-plane only finds the legacy name").isInstanceOf(SnapshotConsistencyException.class);
  }

  @Test
  @DisplayName("a domain twice in one route configuration is refused, as Envoy would")
  void duplicateDomainsAreRefused() {
    XdsResources resources = new MeshTranslator().translate(MeshModel.empty(), ProxyProfile.envoy(10000));
    RouteConfiguration routes = resources.routes().get(0).toBuilder()
        .addVirtualHosts(VirtualHost.newBuilder().setName("a").addDomains("x.ns"))
        .addVirtualHosts(VirtualHost.newBuilder().setName("b").addDomains("x.ns")).build();

    assertThatThrownBy(() -> SnapshotFactory.consistentSnapshot(new XdsResources(List.of(), List.of(),
            resources.listeners(), List.of(routes))))
        .isInstanceOf(SnapshotConsistencyException.class)
        .hasMessage("domain in RouteConfiguration shadow-mirroring-http-10000 names used more than once: [x.ns]");
  }
}
