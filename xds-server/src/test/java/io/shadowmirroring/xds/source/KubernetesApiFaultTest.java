package io.shadowmirroring.xds.source;

import static io.shadowmirroring.xds.source.KubernetesSourceTest.service;
import static io.shadowmirroring.xds.source.KubernetesSourceTest.slice;
import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.clusterNames;
import static io.shadowmirroring.xds.testing.AdsTestClient.mirrorClusters;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.FlakyApiServer;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes source when the API server misbehaves: watches dropped, watches answered 410 Gone, the
 * API server away long enough that fabric8's informers stop for good. Throughout, a real ADS stream keeps
 * the last good config; afterwards, the state converges without a restart; a stopped informer shows on
 * the real {@code /readyz} and is started again.
 */
class KubernetesApiFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NS = "shadow-demo";
  private static final String MIRROR_TO = "shadow-mirroring.io/mirror-to";
  private static final String PRIMARY = "shadow-demo/app-service:80";
  private static final String SHADOW = "shadow-demo/app-shadow-service:80";
  private static final String MIRROR = "mirror/shadow-demo/app-service:80/shadow-demo/app-shadow-service:80";

  private final FlakyApiServer api = new FlakyApiServer();
  private final KubernetesClient kubectl = api.createClient();
  private final SnapshotConstraints constraints = new SnapshotConstraints();
  private final HttpClient http = HttpClient.newHttpClient();
  private ShadowMirroringServer server;
  private ManagedChannel channel;
  private AdsTestClient envoy;

  @BeforeEach
  void objects() {
    create(service("app-service", Map.of(MIRROR_TO, "app-shadow-service")), slice("app-service", 8080, "10.1.0.1"),
        service("app-shadow-service", Map.of()), slice("app-shadow-service", 8080, "10.2.0.1"));
  }

  private void start() throws Exception {
    server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(),
        new KubernetesSource(api.clientUnderTest(), List.of(), ""));
    constraints.watch(server);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    envoy = new AdsTestClient(channel, AdsTestClient.envoyNode("envoy-faults")).start();
    envoy.await("both clusters", r -> r.getTypeUrl().equals(CDS) && clusterNames(r).containsAll(List.of(PRIMARY, SHADOW)), WAIT);
    envoy.await("the mirror", r -> r.getTypeUrl().equals(RDS) && mirrorClusters(r).contains(MIRROR), WAIT);
    assertThat(readyz()).isEqualTo("200 ready");
  }

  @AfterEach
  void stop() {
    if (envoy != null) {
      envoy.close();
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    kubectl.close();
    api.close();
    constraints.assertNoViolations();
  }

  private void create(HasMetadata... objects) {
    for (HasMetadata object : objects) {
      kubectl.resource(object).create();
    }
  }

  private String readyz() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/readyz")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body().trim();
  }

  private String awaitReadyz(String prefix) throws Exception {
    String last = "";
    for (int i = 0; i < 600; i++) {
      last = readyz();
      if (last.startsWith(prefix)) {
        return last;
      }
      AdsTestClient.sleep(50);
    }
    throw new AssertionError("/readyz did not become " + prefix + " within 30 s; last: " + last);
  }

  private static Predicate<DiscoveryResponse> cdsWith(String cluster) {
    return r -> r.getTypeUrl().equals(CDS) && clusterNames(r).contains(cluster);
  }

  /** Every cluster list sent since {@code from} still holds the two Services: nothing was taken away. */
  private void assertNoClusterLost(int from) {
    List<DiscoveryResponse> clusters = envoy.received().subList(from, envoy.received().size()).stream()
        .filter(r -> r.getTypeUrl().equals(CDS)).toList();
    assertThat(clusters).allSatisfy(r -> assertThat(clusterNames(r)).contains(PRIMARY, SHADOW));
  }

  @Test
  @DisplayName("dropped watches reconnect, a watch answered 410 Gone lists again: changes made meanwhile show up, /readyz stays 200")
  void droppedWatchesAndGone() throws Exception {
    start();
    int from = envoy.received().size();

    assertThat(api.dropWatches()).isPositive();
    create(service("late-1", Map.of()));
    envoy.await("a Service created after the watches dropped", cdsWith("shadow-demo/late-1:80"), WAIT);

    api.answerNextWatchesGone();
    api.dropWatches();
    create(service("late-2", Map.of()));
    envoy.await("a Service created while the watches were gone", cdsWith("shadow-demo/late-2:80"), WAIT);

    // The change can arrive by a list before the next watch is answered 410 (the server pushes a change
    // at once now), so the 410 is awaited rather than expected already.
    for (int i = 0; i < 600 && api.goneAnswered() == 0; i++) {
      AdsTestClient.sleep(50);
    }
    assertThat(api.goneAnswered()).isPositive();
    assertThat(readyz()).isEqualTo("200 ready");
    assertNoClusterLost(from);
  }

  @Test
  @DisplayName("the API server away for a while: the streams keep the last config and /readyz stays 200 (fabric8 keeps retrying); back, answering old watches 410, the changes made meanwhile show up")
  void apiServerAwayAndBack() throws Exception {
    start();
    int from = envoy.received().size();
    String routesBefore = envoy.latest(RDS, WAIT).getVersionInfo();

    long awayAt = System.nanoTime();
    api.goAway();
    removeMirrorAndCreate("late-3");
    // A proxy that connects now gets the last good config, and the connected one keeps it.
    try (AdsTestClient newcomer = new AdsTestClient(channel, AdsTestClient.envoyNode("envoy-newcomer")).start()) {
      newcomer.await("the last good clusters", r -> r.getTypeUrl().equals(CDS)
          && clusterNames(r).containsAll(List.of(PRIMARY, SHADOW)), WAIT);
      newcomer.await("the last good mirror", r -> r.getTypeUrl().equals(RDS) && mirrorClusters(r).contains(MIRROR), WAIT);
    }
    AdsTestClient.sleep(2_000);
    assertThat(envoy.latest(RDS, WAIT).getVersionInfo()).isEqualTo(routesBefore);
    assertThat(readyz()).isEqualTo("200 ready");
    assertNoClusterLost(from);
    long awayMillis = (System.nanoTime() - awayAt) / 1_000_000;

    long backAt = System.nanoTime();
    // A real API server back from a restart answers watches from before it with 410 Gone.
    api.answerNextWatchesGone();
    api.comeBack();
    awaitConverged("late-3");
    long convergedAfter = (System.nanoTime() - backAt) / 1_000_000;
    assertThat(readyz()).isEqualTo("200 ready");
    assertThat(api.goneAnswered()).isPositive();
    System.out.printf("API server away %d ms (%d requests refused); back: converged after %d ms%n", awayMillis,
        api.refused(), convergedAfter);
  }

  @Test
  @DisplayName("a watch stream fabric8 cannot read stops the informers for good: logged, /readyz 503 with the reason, started again, converged, /readyz 200")
  void informerStoppedForGoodIsRestarted() throws Exception {
    start();
    int from = envoy.received().size();

    long brokenAt = System.nanoTime();
    api.answerNextWatchesWithGarbage();
    api.dropWatches();
    String notReady = awaitReadyz("503");
    long notReadyAfter = (System.nanoTime() - brokenAt) / 1_000_000;
    assertThat(notReady).matches("503 the informer for (services|endpointslices) in all namespaces stopped"
        + "(: .*)?; serving its last objects while it restarts");
    // Keep the restarts failing for a while, and change things meanwhile.
    api.goAway();
    removeMirrorAndCreate("late-4");
    AdsTestClient.sleep(1_500);
    assertThat(readyz()).startsWith("503 the informer for ");
    assertNoClusterLost(from);

    long backAt = System.nanoTime();
    api.comeBack();
    awaitConverged("late-4");
    long convergedAfter = (System.nanoTime() - backAt) / 1_000_000;
    assertThat(awaitReadyz("200")).isEqualTo("200 ready");
    long readyAfter = (System.nanoTime() - backAt) / 1_000_000;
    System.out.printf("informers stopped for good: /readyz 503 after %d ms; restarted once the API server answered:"
        + " converged after %d ms, /readyz 200 after %d ms%n", notReadyAfter, convergedAfter, readyAfter);
  }

  private void removeMirrorAndCreate(String newService) {
    kubectl.services().inNamespace(NS).withName("app-service").edit(s -> {
      s.getMetadata().getAnnotations().remove(MIRROR_TO);
      return s;
    });
    create(service(newService, Map.of()));
  }

  private void awaitConverged(String newService) {
    envoy.await("the Service created meanwhile", cdsWith("shadow-demo/" + newService + ":80"), WAIT);
    envoy.await("the mirror removed meanwhile", r -> r.getTypeUrl().equals(RDS) && mirrorClusters(r).isEmpty(), WAIT);
  }
}
