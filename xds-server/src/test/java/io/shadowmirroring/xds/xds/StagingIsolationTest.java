package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.LDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.clusterNames;
import static io.shadowmirroring.xds.testing.AdsTestClient.referencedClusters;
import static io.shadowmirroring.xds.testing.AdsTestClient.unpack;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature tests: make-before-break steps are taken per stream and advance on that stream's ACKs, so a
 * proxy that is stuck, silent or NACKing holds back only itself, never the reconciler, another profile,
 * or a healthy proxy of its own profile. The ack wait is 5 s, so "in time" (under 2 s) means nobody
 * waited for it.
 */
class StagingIsolationTest {
  private static final Duration ACK_WAIT = Duration.ofSeconds(5);
  private static final Duration IN_TIME = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String SHADOW = "shadow-demo/app-shadow-service:80";
  private static final String MIRROR_CLUSTER = "mirror/shadow-demo/app-service:80/shadow-demo/app-shadow-service:80";

  @TempDir Path directory;
  private DirectoryServer server;

  @BeforeEach
  void start() throws Exception {
    write(false, false, "10.0.0.1");
    ServerSettings defaults = ServerSettings.loopbackForTests();
    ServerSettings settings = new ServerSettings(defaults.xdsAddress(), defaults.xdsPort(), defaults.metricsAddress(),
        defaults.metricsPort(), defaults.listenerPort(), defaults.debounce(), defaults.maxDebounce(), ACK_WAIT,
        defaults.admin(), defaults.tls(), defaults.tlsRefresh(), defaults.automation(), defaults.webhook(),
        defaults.exposure());
    server = new DirectoryServer(directory, settings, Duration.ofMillis(30));
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  /** app-service, and with {@code shadow} the app-shadow-service, mirrored to with {@code mirrored}. */
  private void write(boolean shadow, boolean mirrored, String primaryIp) throws Exception {
    Map<String, String> annotations =
        mirrored ? Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service") : Map.of();
    String primary = documents(service("shadow-demo", "app-service", annotations, 80, "http"),
        endpointSlice("shadow-demo", "app-service", "http", 8081, primaryIp));
    DirectoryServer.write(directory.resolve("demo.yaml"), shadow
        ? documents(primary, service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"),
            endpointSlice("shadow-demo", "app-shadow-service", "http", 8082, "10.0.0.2"))
        : primary);
  }

  private static Node onPort(String id, int port) {
    return AdsTestClient.envoyNode(id).toBuilder()
        .setMetadata(Struct.newBuilder().putFields(NodeClassifier.LISTENER_PORT_METADATA,
            Value.newBuilder().setStringValue(Integer.toString(port)).build()))
        .build();
  }

  private static boolean routesTo(DiscoveryResponse response, String cluster) {
    return response.getTypeUrl().equals(RDS) && referencedClusters(response).contains(cluster);
  }

  /** How long until a new Service's route reaches the client, from the moment its file is written. */
  private Duration newServiceReaches(AdsTestClient client) throws Exception {
    long start = System.nanoTime();
    write(true, false, "10.0.0.1");
    client.await("routes to the new Service", r -> routesTo(r, SHADOW), WAIT);
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Test
  @DisplayName("a stream of the same profile that subscribes and never answers does not delay a new Service "
      + "for a healthy proxy")
  void stuckStreamInTheSameProfile() throws Exception {
    try (AdsTestClient healthy = server.envoy("healthy");
         AdsTestClient stuck = new AdsTestClient(server.channel(), AdsTestClient.envoyNode("stuck")).silent().start()) {
      healthy.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      stuck.await("clusters", r -> r.getTypeUrl().equals(CDS), WAIT);
      stuck.await("listeners", r -> r.getTypeUrl().equals(LDS), WAIT);

      Duration took = newServiceReaches(healthy);

      assertThat(took).as("new Service at the healthy proxy").isLessThan(IN_TIME);
      assertThat(server.server().proxies().streams()).as("both streams are open").hasSize(2);
    }
  }

  @Test
  @DisplayName("a proxy that ACKed and then went silent holds back only its own profile; the reconciler and "
      + "other profiles go on at once")
  void silentProxyInAnotherProfile() throws Exception {
    try (AdsTestClient healthy = server.envoy("healthy");
         AdsTestClient silent = new AdsTestClient(server.channel(), onPort("silent", 15005)).start()) {
      healthy.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      silent.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      waitUntilAcked(silent, RDS);
      silent.silent();

      Duration took = newServiceReaches(healthy);
      // The next change too: the reconciler is not busy waiting for the silent proxy's profile.
      long start = System.nanoTime();
      write(true, true, "10.0.0.1");
      healthy.await("routes mirroring to the shadow", r -> routesTo(r, MIRROR_CLUSTER), WAIT);
      Duration next = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).as("new Service at the healthy proxy").isLessThan(IN_TIME);
      assertThat(next).as("new mirror at the healthy proxy").isLessThan(IN_TIME);
      // It waits for its own ACK of the new clusters, which never comes: it keeps its old routes.
      AdsTestClient.sleep(ACK_WAIT.toMillis() + 500);
      assertThat(silent.received(RDS)).noneMatch(r -> routesTo(r, SHADOW));
    }
  }

  @Test
  @DisplayName("a proxy that NACKs the clusters of a change never gets routes naming them, while a healthy "
      + "proxy of the same profile gets them at once; its endpoints still change at once")
  void nackAtTheWarmStepKeepsTheOldRoutes() throws Exception {
    try (AdsTestClient healthy = server.envoy("healthy");
         AdsTestClient nacking = new AdsTestClient(server.channel(), AdsTestClient.envoyNode("nacking"))) {
      nacking.rejectWhen(r -> r.getTypeUrl().equals(CDS) && clusterNames(r).contains(SHADOW)
          ? Optional.of("cluster: rejected for the test") : Optional.empty());
      nacking.start();
      healthy.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      nacking.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);

      long changed = System.nanoTime();
      write(true, true, "10.0.0.1");
      healthy.await("routes mirroring to the shadow", r -> routesTo(r, MIRROR_CLUSTER), WAIT);
      assertThat(Duration.ofNanos(System.nanoTime() - changed)).as("new mirror at the healthy proxy")
          .isLessThan(IN_TIME);
      nacking.await("clusters with the shadow", r -> r.getTypeUrl().equals(CDS) && clusterNames(r).contains(SHADOW),
          WAIT);
      // Before, a NACK counted as an answer and the routes followed at once.
      AdsTestClient.sleep(1000);
      assertThat(nacking.received(RDS)).as("routes at the NACKing proxy")
          .noneMatch(r -> routesTo(r, SHADOW) || routesTo(r, MIRROR_CLUSTER));

      // A newer model replaces the held step; endpoints are not held back.
      long start = System.nanoTime();
      write(true, true, "10.0.0.9");
      nacking.await("the new endpoint", r -> r.getTypeUrl().equals(EDS) && unpack(r, ClusterLoadAssignment.class)
          .stream().anyMatch(c -> c.toString().contains("10.0.0.9")), WAIT);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("endpoint change at the NACKing proxy")
          .isLessThan(IN_TIME);
      healthy.await("the new endpoint", r -> r.getTypeUrl().equals(EDS) && unpack(r, ClusterLoadAssignment.class)
          .stream().anyMatch(c -> c.toString().contains("10.0.0.9")), WAIT);
      assertThat(nacking.received(RDS)).as("routes at the NACKing proxy")
          .noneMatch(r -> routesTo(r, SHADOW) || routesTo(r, MIRROR_CLUSTER));
      assertThat(List.of(healthy.latest(RDS, WAIT))).allMatch(r -> routesTo(r, MIRROR_CLUSTER));
    }
  }

  private static void waitUntilAcked(AdsTestClient client, String type) {
    String latest = client.latest(type, WAIT).getVersionInfo();
    for (int i = 0; i < 200 && !client.ackedVersion(type).equals(Optional.of(latest)); i++) {
      AdsTestClient.sleep(10);
    }
  }
}
