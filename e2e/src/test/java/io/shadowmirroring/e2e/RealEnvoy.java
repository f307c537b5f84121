package io.shadowmirroring.e2e;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;

/**
 * The real Envoy the end-to-end tests put in front of their backends: configured only over ADS by the
 * server on the host's xDS port, listener on 10000, admin on 9901, ready when its admin says so.
 */
final class RealEnvoy {
  static final String IMAGE = "envoyproxy/envoy:v1.32.3";

  private static final String HEAD = """
      node: {id: e2e-envoy, cluster: e2e}
      admin:
        address: {socket_address: {address: 0.0.0.0, port_value: 9901}}
      """;
  /** Streams every stat each 5 s to the server's metrics service, which shares the xDS port. */
  private static final String METRICS_SINK = """
      stats_flush_interval: 5s
      stats_sinks:
      - name: envoy.stat_sinks.metrics_service
        typed_config:
          "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
          transport_api_version: V3
          grpc_service: {envoy_grpc: {cluster_name: xds_cluster}}
      """;
  private static final String ADS = """
      dynamic_resources:
        ads_config:
          api_type: GRPC
          transport_api_version: V3
          grpc_services: [{envoy_grpc: {cluster_name: xds_cluster}}]
        cds_config: {ads: {}, resource_api_version: V3}
        lds_config: {ads: {}, resource_api_version: V3}
      static_resources:
        clusters:
        - name: xds_cluster
          type: STRICT_DNS
          connect_timeout: 5s
          typed_extension_protocol_options:
            envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
              "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
              explicit_http_config: {http2_protocol_options: {}}
          load_assignment:
            cluster_name: xds_cluster
            endpoints:
            - lb_endpoints:
              - endpoint: {address: {socket_address: {address: host.testcontainers.internal, port_value: %d}}}
      """;

  private RealEnvoy() {}

  /** Envoy with ADS from the server on {@code xdsPort}. */
  static GenericContainer<?> container(Network network, int xdsPort) {
    return container(network, HEAD + ADS.formatted(xdsPort));
  }

  /** Envoy with ADS and the metrics service sink, both on the server's {@code xdsPort}. */
  static GenericContainer<?> withMetricsSink(Network network, int xdsPort) {
    return container(network, HEAD + METRICS_SINK + ADS.formatted(xdsPort));
  }

  /** The container's address on {@code network}, where other containers reach it. */
  static String ip(GenericContainer<?> container, Network network) {
    return container.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
        .filter(n -> network.getId().equals(n.getNetworkID()))
        .findFirst().orElseThrow().getIpAddress();
  }

  private static GenericContainer<?> container(Network network, String bootstrap) {
    return new GenericContainer<>(IMAGE)
        .withNetwork(network)
        .withCopyToContainer(Transferable.of(bootstrap), "/etc/envoy/envoy.yaml")
        .withCommand("envoy", "-c", "/etc/envoy/envoy.yaml", "--log-level", "info")
        .withExposedPorts(10000, 9901)
        .waitingFor(Wait.forHttp("/ready").forPort(9901));
  }
}
