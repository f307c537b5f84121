package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.mirrorClusters;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hook that checks every published snapshot against Envoy's proto constraints sees them all, and can fail. */
class SnapshotConstraintsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path directory;

  @Test
  @DisplayName("a mirror change's staged and final snapshots are all checked")
  void checksEverySnapshotOfAChange() throws Exception {
    DirectoryServer.write(directory.resolve("demo.yaml"), documents(
        service("shadow-demo", "app-service", Map.of(), 80, "http"),
        endpointSlice("shadow-demo", "app-service", "http", 8081, "10.0.0.1")));
    try (DirectoryServer server = new DirectoryServer(directory);
        AdsTestClient envoy = server.envoy("envoy-1")) {
      envoy.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      int before = server.constraints().snapshots();
      assertThat(before).as("the first snapshot was checked").isPositive();

      DirectoryServer.write(directory.resolve("demo.yaml"), documents(
          service("shadow-demo", "app-service", Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), 80, "http"),
          endpointSlice("shadow-demo", "app-service", "http", 8081, "10.0.0.1"),
          service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"),
          endpointSlice("shadow-demo", "app-shadow-service", "http", 8082, "10.0.0.2")));
      envoy.await("routes mirroring to the shadow",
          r -> r.getTypeUrl().equals(RDS) && !mirrorClusters(r).isEmpty(), WAIT);

      // Make-before-break: the shadow's new cluster next to the old routes, then the routes naming it.
      assertThat(server.constraints().snapshots()).isGreaterThanOrEqualTo(before + 2);
      server.constraints().assertNoViolations();
    }
  }

  @Test
  @DisplayName("a snapshot that breaks a rule is recorded, and fails the test at its end")
  void recordsAViolation() {
    SnapshotConstraints constraints = new SnapshotConstraints();
    Cluster unnamed = Cluster.newBuilder().setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1)).build();

    constraints.accept(ProxyProfile.envoy(10000),
        Snapshot.create(List.of(unnamed), "1", List.of(), "1", List.of(), "1", List.of(), "1", List.of(), "1"));

    assertThatThrownBy(constraints::assertNoViolations)
        .hasMessageContaining("CLUSTER")
        .hasMessageContaining(".envoy.config.cluster.v3.Cluster.name: length must be at least 1");
  }
}
