package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.clusterNames;
import static io.shadowmirroring.xds.testing.AdsTestClient.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.model.Exposure;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.Manifests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoped exposure over a real ADS stream: with {@code --expose mirrored}, and for a proxy narrowed to
 * namespaces in its node metadata, a Service out of scope has no cluster and no virtual host, so no
 * Host header reaches it through the proxy.
 */
@DisplayName("Scope: Services out of scope get no cluster and no virtual host")
class ScopedExposureTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path directory;

  /** The virtual host Envoy would pick for a Host header: domains are exact names here, no wildcards. */
  private static Optional<String> routeFor(DiscoveryResponse rds, String host) {
    List<VirtualHost> hosts = unpack(rds, RouteConfiguration.class).get(0).getVirtualHostsList();
    assertThat(hosts).flatExtracting(VirtualHost::getDomainsList).noneMatch(d -> d.contains("*"));
    return hosts.stream().filter(h -> h.getDomainsList().contains(host)).map(VirtualHost::getName).findFirst();
  }

  private static AdsTestClient proxy(DirectoryServer server, String id, Map<String, String> metadata) {
    Struct.Builder fields = Struct.newBuilder();
    metadata.forEach((k, v) -> fields.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return new AdsTestClient(server.channel(), AdsTestClient.envoyNode(id).toBuilder().setMetadata(fields).build())
        .start();
  }

  @Test
  @DisplayName("--expose mirrored: mirrored and opted-in Services are routed, targets are clusters only, the rest is absent; a proxy narrowed to shop loses team-b")
  void scopedExposure() throws Exception {
    DirectoryServer.write(directory.resolve("cluster.yaml"), Manifests.documents(
        Manifests.service("shop", "app", Map.of("shadow-mirroring.io/mirror-to", "canary/app-v2"), 80, "http"),
        Manifests.endpointSlice("shop", "app", "http", 8080, "10.0.0.1"),
        Manifests.service("canary", "app-v2", Map.of(), 80, "http"),
        Manifests.endpointSlice("canary", "app-v2", "http", 8080, "10.0.0.2"),
        Manifests.service("shop", "web", Map.of("shadow-mirroring.io/expose", "true"), 80, "http"),
        Manifests.service("team-b", "api", Map.of("shadow-mirroring.io/expose", "true"), 80, "http"),
        Manifests.service("kube-system", "kube-dns", Map.of(), 53, "dns-tcp")));
    ServerSettings settings = ServerSettings.loopbackForTests().withExposure(Exposure.MIRRORED);

    try (DirectoryServer server = new DirectoryServer(directory, settings, Duration.ofMillis(30));
         AdsTestClient edge = proxy(server, "edge", Map.of());
         AdsTestClient shopOnly = proxy(server, "shop-only", Map.of(NodeClassifier.NAMESPACES_METADATA, "shop"))) {
      DiscoveryResponse edgeClusters = edge.latest(CDS, WAIT);
      DiscoveryResponse edgeRoutes = edge.latest(RDS, WAIT);
      assertThat(clusterNames(edgeClusters))
          .containsExactly("canary/app-v2:80", "mirror/shop/app:80/canary/app-v2:80", "shop/app:80", "shop/web:80",
              "team-b/api:80");
      assertThat(unpack(edge.latest(EDS, WAIT), ClusterLoadAssignment.class))
          .extracting(ClusterLoadAssignment::getClusterName).doesNotContain("kube-system/kube-dns:53");
      assertThat(routeFor(edgeRoutes, "app.shop")).contains("shop_app_80");
      assertThat(routeFor(edgeRoutes, "api.team-b")).contains("team-b_api_80");
      assertThat(routeFor(edgeRoutes, "kube-dns.kube-system")).isEmpty();
      assertThat(routeFor(edgeRoutes, "kube-dns.kube-system.svc.cluster.local:53")).isEmpty();
      assertThat(routeFor(edgeRoutes, "app-v2.canary")).as("a mirror target is a cluster, not a route").isEmpty();
      assertThat(AdsTestClient.mirrorClusters(edgeRoutes)).containsExactly("mirror/shop/app:80/canary/app-v2:80");

      DiscoveryResponse shopRoutes = shopOnly.await("routes of the shop-only profile",
          r -> r.getTypeUrl().equals(RDS), WAIT);
      assertThat(clusterNames(shopOnly.latest(CDS, WAIT)))
          .containsExactly("canary/app-v2:80", "mirror/shop/app:80/canary/app-v2:80", "shop/app:80", "shop/web:80");
      assertThat(routeFor(shopRoutes, "app.shop")).contains("shop_app_80");
      assertThat(routeFor(shopRoutes, "api.team-b")).isEmpty();
      assertThat(AdsTestClient.mirrorClusters(shopRoutes)).containsExactly("mirror/shop/app:80/canary/app-v2:80");
    }
  }
}
