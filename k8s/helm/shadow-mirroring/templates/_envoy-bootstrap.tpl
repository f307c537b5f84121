{{/*
The front proxy's Envoy bootstrap: envoy-configs/front-proxy.yaml with the xds-server's address
filled in (a test checks that the two stay the same otherwise). Called with (dict "host" "port").
*/}}
{{- define "shadow-mirroring.envoyBootstrap" -}}
# Only the way to the control plane is static; listeners, routes, clusters and endpoints come
# from the xds-server over ADS. node.id/cluster are placeholders that --service-node and
# --service-cluster override.
node:
  id: front-proxy
  cluster: front-proxy
  metadata:
    shadow-mirroring.io/runtime: rtds
    shadow-mirroring.io/role: edge
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: 9901 }
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services:
      - envoy_grpc:
          cluster_name: xds_cluster
  cds_config:
    ads: {}
    resource_api_version: V3
  lds_config:
    ads: {}
    resource_api_version: V3
# Mirror percentages in the RTDS layer "shadow-mirroring" over ADS (see envoy-configs/front-proxy.yaml).
layered_runtime:
  layers:
    - name: shadow-mirroring
      rtds_layer:
        name: shadow-mirroring
        rtds_config:
          ads: {}
          resource_api_version: V3
          initial_fetch_timeout: 15s
    - name: admin
      admin_layer: {}
# Envoy's stats to the xds-server every 5 s over xds_cluster (see envoy-configs/front-proxy.yaml).
stats_sinks:
  - name: envoy.stat_sinks.metrics_service
    typed_config:
      "@type": type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig
      transport_api_version: V3
      grpc_service: {envoy_grpc: {cluster_name: xds_cluster}}
stats_flush_interval: 5s
static_resources:
  clusters:
    - name: xds_cluster
      type: STRICT_DNS
      connect_timeout: 5s
      dns_lookup_family: V4_ONLY
      typed_extension_protocol_options:
        envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
          "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
          explicit_http_config:
            http2_protocol_options:
              connection_keepalive:
                interval: 30s
                timeout: 5s
      load_assignment:
        cluster_name: xds_cluster
        endpoints:
          - lb_endpoints:
              - endpoint:
                  address:
                    socket_address:
                      address: {{ .host }}
                      port_value: {{ .port }}
{{- end -}}
