package io.shadowmirroring.xds.translate;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.shadowmirroring.xds.model.EndpointAddress;
import io.shadowmirroring.xds.model.ServicePortModel;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A ClusterLoadAssignment for every cluster, even an empty one: without it the cluster warms forever.
 * Every locality group has a locality and a weight, because gRPC's xDS clients reject groups without.
 *
 * <p>A terminating-but-serving endpoint is sent with health status DRAINING, which Envoy treats as
 * unhealthy (envoyproxy/envoy api/envoy/config/core/v3/health_check.proto, HealthStatus): no new
 * requests while healthy endpoints exist, but still used in panic mode, e.g. when every endpoint of a
 * rollout is terminating, rather than having none. A locality's weight counts its healthy endpoints
 * (at least 1, the smallest weight Envoy accepts).
 */
final class EndpointFactory {

  ClusterLoadAssignment loadAssignment(ServicePortModel port) {
    Map<String, List<EndpointAddress>> byZone = new TreeMap<>();
    for (EndpointAddress address : port.endpoints()) {
      byZone.computeIfAbsent(address.zone(), z -> new java.util.ArrayList<>()).add(address);
    }
    ClusterLoadAssignment.Builder assignment =
        ClusterLoadAssignment.newBuilder().setClusterName(ResourceNames.cluster(port.cluster()));
    byZone.forEach((zone, addresses) -> {
      LocalityLbEndpoints.Builder group = LocalityLbEndpoints.newBuilder()
          .setLocality(Locality.newBuilder().setZone(zone))
          .setLoadBalancingWeight(UInt32Value.of(
              Math.max(1, (int) addresses.stream().filter(a -> !a.draining()).count())));
      for (EndpointAddress address : addresses) {
        group.addLbEndpoints(LbEndpoint.newBuilder()
            .setHealthStatus(address.draining() ? HealthStatus.DRAINING : HealthStatus.HEALTHY)
            .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder()
                    .setAddress(address.ip())
                    .setPortValue(address.port())))));
      }
      assignment.addEndpoints(group);
    });
    return assignment.build();
  }
}
