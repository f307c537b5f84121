package io.shadowmirroring.xds.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What one resource asks its client to subscribe to next: a cluster's assignment, a listener's routes. */
final class References {
  private References() {}

  /**
   * The ClusterLoadAssignment an EDS cluster asks for: its {@code service_name}, else its name, as
   * Envoy's EdsClusterImpl does (source/extensions/clusters/eds/eds.cc); empty for other clusters.
   */
  static Optional<String> assignment(Cluster cluster) {
    if (cluster.getType() != Cluster.DiscoveryType.EDS) {
      return Optional.empty();
    }
    String serviceName = cluster.getEdsClusterConfig().getServiceName();
    return Optional.of(serviceName.isEmpty() ? cluster.getName() : serviceName);
  }

  /** The HttpConnectionManagers of a listener, whatever their filters are named (api_listener included). */
  static List<HttpConnectionManager> connectionManagers(Listener listener) throws InvalidProtocolBufferException {
    List<Any> configs = new ArrayList<>();
    if (listener.hasApiListener()) {
      configs.add(listener.getApiListener().getApiListener());
    }
    for (FilterChain chain : listener.getFilterChainsList()) {
      chain.getFiltersList().stream().filter(Filter::hasTypedConfig).map(Filter::getTypedConfig).forEach(configs::add);
    }
    List<HttpConnectionManager> managers = new ArrayList<>();
    for (Any any : configs) {
      if (any.is(HttpConnectionManager.class)) {
        managers.add(any.unpack(HttpConnectionManager.class));
      }
    }
    return managers;
  }

  /** The route configurations a listener asks for over RDS. */
  static List<String> routeConfigurations(Listener listener) {
    try {
      return connectionManagers(listener).stream().filter(HttpConnectionManager::hasRds)
          .map(m -> m.getRds().getRouteConfigName()).toList();
    } catch (InvalidProtocolBufferException e) {
      // SnapshotFactory refuses such a listener before it is ever served.
      return List.of();
    }
  }
}
