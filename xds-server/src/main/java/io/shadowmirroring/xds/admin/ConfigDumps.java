package io.shadowmirroring.xds.admin;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import io.shadowmirroring.xds.translate.XdsYaml;
import io.shadowmirroring.xds.xds.ProxyStream;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the server serves one proxy, shaped like Envoy's own {@code /config_dump}: the same four
 * sections, with each resource's version and, where the proxy NACKed it, the error.
 */
final class ConfigDumps {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.config.cluster.v3.Cluster"))
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.config.endpoint.v3.ClusterLoadAssignment"))
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.config.listener.v3.Listener"))
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.config.route.v3.RouteConfiguration"))
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"))
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.extensions.filters.http.router.v3.Router"))
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.extensions.upstreams.http.v3.HttpProtocolOptions"))
          .add(XdsYaml.TYPE_REGISTRY.find("envoy.extensions.access_loggers.stream.v3.StdoutAccessLog"))
          .add(ClustersConfigDump.getDescriptor())
          .add(EndpointsConfigDump.getDescriptor())
          .add(ListenersConfigDump.getDescriptor())
          .add(RoutesConfigDump.getDescriptor())
          .build())
      .preservingProtoFieldNames();

  private ConfigDumps() {}

  static ConfigDump dump(Snapshot snapshot, ProxyStream stream) {
    String clustersVersion = snapshot.clusters().version();
    ClustersConfigDump.Builder clusters = ClustersConfigDump.newBuilder().setVersionInfo(clustersVersion);
    new TreeMap<>(snapshot.clusters().resources()).values().forEach(c -> clusters.addDynamicActiveClusters(
        ClustersConfigDump.DynamicCluster.newBuilder().setVersionInfo(clustersVersion).setCluster(Any.pack(c))));
    failure(stream, Resources.V3.CLUSTER_TYPE_URL).ifPresent(f -> clusters.addDynamicActiveClusters(
        ClustersConfigDump.DynamicCluster.newBuilder().setErrorState(f)));

    String endpointsVersion = snapshot.endpoints().version();
    EndpointsConfigDump.Builder endpoints = EndpointsConfigDump.newBuilder();
    new TreeMap<>(snapshot.endpoints().resources()).values().forEach(e -> endpoints.addDynamicEndpointConfigs(
        EndpointsConfigDump.DynamicEndpointConfig.newBuilder().setVersionInfo(endpointsVersion)
            .setEndpointConfig(Any.pack(e))));

    String listenersVersion = snapshot.listeners().version();
    ListenersConfigDump.Builder listeners = ListenersConfigDump.newBuilder().setVersionInfo(listenersVersion);
    new TreeMap<>(snapshot.listeners().resources()).forEach((name, l) -> listeners.addDynamicListeners(
        ListenersConfigDump.DynamicListener.newBuilder().setName(name).setActiveState(
            ListenersConfigDump.DynamicListenerState.newBuilder().setVersionInfo(listenersVersion)
                .setListener(Any.pack(l)))));

    String routesVersion = snapshot.routes().version();
    RoutesConfigDump.Builder routes = RoutesConfigDump.newBuilder();
    new TreeMap<>(snapshot.routes().resources()).values().forEach(r -> routes.addDynamicRouteConfigs(
        RoutesConfigDump.DynamicRouteConfig.newBuilder().setVersionInfo(routesVersion).setRouteConfig(Any.pack(r))));

    return ConfigDump.newBuilder()
        .addConfigs(Any.pack(clusters.build()))
        .addConfigs(Any.pack(endpoints.build()))
        .addConfigs(Any.pack(listeners.build()))
        .addConfigs(Any.pack(routes.build()))
        .build();
  }

  static String json(ConfigDump dump) {
    try {
      return PRINTER.print(dump);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a config dump holds a type the printer does not know", e);
    }
  }

  static Optional<UpdateFailureState> failure(ProxyStream stream, String typeUrl) {
    ProxyStream.TypeState state = stream.types().get(typeUrl);
    if (state == null) {
      return Optional.empty();
    }
    return state.lastNack()
        .filter(nack -> nack.version().equals(state.sentVersion()))
        .map(nack -> UpdateFailureState.newBuilder()
            .setDetails(nack.errorDetail())
            .setVersionInfo(nack.version())
            .setLastUpdateAttempt(MirrorViews.timestamp(nack.at()))
            .build());
  }
}
