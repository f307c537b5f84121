package io.shadowmirroring.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.Manifests;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas fed the same history serve the same bytes, whatever each of them saw before: the output
 * is a function of what is stored. (With a memory of "last valid" specs, the replica that lived
 * through the bad edit kept serving the old mirror while the restarted one served none.)
 */
@DisplayName("Replicas: the same stored inputs give byte-identical resources and versions, across restarts")
class ReplicaConsistencyTest {
  private static final ServiceRef CART = new ServiceRef("shop", "cart");
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path directory;

  private void writeCart(Map<String, String> annotations) throws Exception {
    DirectoryServer.write(directory.resolve("shop.yaml"), Manifests.documents(
        Manifests.service("shop", "cart", annotations, 80, "http"),
        Manifests.endpointSlice("shop", "cart", "http", 8080, "10.0.0.1"),
        Manifests.service("shop", "cart-v2", Map.of(), 80, "http"),
        Manifests.endpointSlice("shop", "cart-v2", "http", 8080, "10.0.0.2")));
  }

  @Test
  @DisplayName("a replica restarted after a bad edit serves exactly what its peer, which saw the valid config, serves")
  void restartedReplicaMatchesItsPeer() throws Exception {
    writeCart(Map.of("shadow-mirroring.io/mirror-to", "cart-v2=25"));
    try (DirectoryServer peer = new DirectoryServer(directory)) {
      DirectoryServer restarted = new DirectoryServer(directory);
      try {
        awaitCart(peer, MirrorStatus.State.MIRRORING);
        awaitCart(restarted, MirrorStatus.State.MIRRORING);
        assertThat(served(peer)).as("both replicas on the valid config").isEqualTo(served(restarted));
        Map<String, Object> mirroring = served(peer);

        writeCart(Map.of("shadow-mirroring.io/mirror-to", "cart-v2=25",
            "shadow-mirroring.io/mirror-percentage", "150"));
        awaitCart(peer, MirrorStatus.State.INVALID);
        awaitCart(restarted, MirrorStatus.State.INVALID);
        restarted.close();
        restarted = new DirectoryServer(directory);
        awaitCart(restarted, MirrorStatus.State.INVALID);

        Map<String, Object> afterBadEdit = served(peer);
        assertThat(served(restarted)).isEqualTo(afterBadEdit);
        assertThat(afterBadEdit).as("the invalid mirror is not served").isNotEqualTo(mirroring);
        assertThat(mirrorClustersOverAds(peer)).isEmpty();
        assertThat(mirrorClustersOverAds(restarted)).isEmpty();
      } finally {
        restarted.close();
      }
    }
  }

  /** Waits until the server has published a build in which cart has the given state. */
  private static void awaitCart(DirectoryServer server, MirrorStatus.State state) {
    Predicate<ModelBuild> matches = build -> build != null && build.statuses().stream()
        .anyMatch(s -> s.service().equals(CART) && s.state() == state);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!matches.test(server.server().reconciler().lastBuild())) {
      assertThat(System.nanoTime()).as("cart " + state + " within " + WAIT).isLessThan(deadline);
      AdsTestClient.sleep(10);
    }
  }

  /** Every resource of the default Envoy profile, with its type's version, as comparable text. */
  private static Map<String, Object> served(DirectoryServer server) {
    Snapshot snapshot = server.server().publisher().snapshot(ProxyProfile.envoy(10000)).orElseThrow();
    Map<String, Object> served = new LinkedHashMap<>();
    for (String type : List.of(Resources.V3.CLUSTER_TYPE_URL, Resources.V3.ENDPOINT_TYPE_URL,
        Resources.V3.LISTENER_TYPE_URL, Resources.V3.ROUTE_TYPE_URL)) {
      served.put(type + " version", snapshot.version(type));
      snapshot.resources(type).forEach((name, resource) ->
          served.put(type + " " + name, resource.resource().toByteString()));
    }
    return served;
  }

  private static List<String> mirrorClustersOverAds(DirectoryServer server) {
    try (AdsTestClient envoy = server.envoy("envoy-" + server.server().xdsPort())) {
      return AdsTestClient.mirrorClusters(envoy.latest(AdsTestClient.RDS, WAIT));
    }
  }
}
