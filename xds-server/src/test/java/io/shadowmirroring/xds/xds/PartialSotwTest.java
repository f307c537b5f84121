package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.LDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.unpack;
import static io.shadowmirroring.xds.testing.HandMadeResources.assignment;
import static io.shadowmirroring.xds.testing.HandMadeResources.cluster;
import static io.shadowmirroring.xds.testing.HandMadeResources.listener;
import static io.shadowmirroring.xds.testing.HandMadeResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.XdsStage;
import io.shadowmirroring.xds.translate.XdsResources;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * State-of-the-world responses on a real gRPC port: LDS and CDS carry the full state, EDS and RDS
 * only what changed for the stream (xDS protocol, "Grouping Resources into Responses"), and the
 * assignment of a changed cluster goes out again so that the cluster warms.
 */
class PartialSotwTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Node NODE = AdsTestClient.envoyNode("partial");

  private XdsStage stage;

  @BeforeEach
  void start() throws Exception {
    stage = new XdsStage();
  }

  @AfterEach
  void stop() throws Exception {
    stage.close();
  }

  /** Clusters a, b, c; two listeners, whose route configurations send to (a, b) and (c). */
  private static XdsResources resources(String ipOfA, int timeoutOfB, String prefixOfFront) {
    return new XdsResources(
        List.of(cluster("a", 250), cluster("b", timeoutOfB), cluster("c", 250)),
        List.of(assignment("a", ipOfA), assignment("b", "10.0.0.2"), assignment("c", "10.0.0.3")),
        List.of(listener("front", 10000, "front-routes"), listener("back", 10001, "back-routes")),
        List.of(routes("front-routes", prefixOfFront, List.of("a", "b")), routes("back-routes", "/", List.of("c"))));
  }

  private AdsTestClient connected() {
    AdsTestClient envoy = new AdsTestClient(stage.channel(), NODE).start();
    envoy.await("both route configurations", r -> r.getTypeUrl().equals(RDS)
        && unpack(r, RouteConfiguration.class).size() == 2, WAIT);
    envoy.await("all three assignments", r -> r.getTypeUrl().equals(EDS)
        && unpack(r, ClusterLoadAssignment.class).size() == 3, WAIT);
    awaitAcked(envoy, RDS);
    awaitAcked(envoy, EDS);
    return envoy;
  }

  @Test
  @DisplayName("an endpoint change sends a SotW stream only the changed assignment, with a new version of the "
      + "whole type, and nothing else")
  void endpointChangeSendsOnlyThatAssignment() {
    stage.publish(NODE, resources("10.0.0.1", 250, "/"));
    try (AdsTestClient envoy = connected()) {
      String before = envoy.latest(EDS, WAIT).getVersionInfo();
      int count = envoy.received().size();

      stage.publish(NODE, resources("10.0.0.9", 250, "/"));

      DiscoveryResponse eds = envoy.await("the moved endpoint", r -> r.getTypeUrl().equals(EDS)
          && r.toString().contains("10.0.0.9"), WAIT);
      assertThat(unpack(eds, ClusterLoadAssignment.class)).extracting(ClusterLoadAssignment::getClusterName)
          .containsExactly("a");
      assertThat(eds.getVersionInfo()).isNotEqualTo(before);
      awaitAcked(envoy, EDS);
      AdsTestClient.sleep(300);
      assertThat(envoy.received().subList(count, envoy.received().size())).as("responses after the change")
          .containsExactly(eds);
    }
  }

  @Test
  @DisplayName("a route change sends a SotW stream only the changed route configuration")
  void routeChangeSendsOnlyThatRouteConfiguration() {
    stage.publish(NODE, resources("10.0.0.1", 250, "/"));
    try (AdsTestClient envoy = connected()) {
      int count = envoy.received().size();

      stage.publish(NODE, resources("10.0.0.1", 250, "/api"));

      DiscoveryResponse rds = envoy.await("the new prefix", r -> r.getTypeUrl().equals(RDS)
          && r.toString().contains("/api"), WAIT);
      assertThat(unpack(rds, RouteConfiguration.class)).extracting(RouteConfiguration::getName)
          .containsExactly("front-routes");
      awaitAcked(envoy, RDS);
      AdsTestClient.sleep(300);
      assertThat(envoy.received().subList(count, envoy.received().size())).containsExactly(rds);
    }
  }

  @Test
  @DisplayName("a changed cluster comes with its assignment again, unchanged, right after the clusters, so that "
      + "it warms; CDS carries every cluster")
  void clusterChangeResendsItsAssignment() {
    stage.publish(NODE, resources("10.0.0.1", 250, "/"));
    try (AdsTestClient envoy = connected()) {
      int count = envoy.received().size();

      stage.publish(NODE, resources("10.0.0.1", 900, "/"));

      DiscoveryResponse cds = envoy.await("the changed cluster", r -> r.getTypeUrl().equals(CDS)
          && unpack(r, Cluster.class).stream().anyMatch(c -> c.getConnectTimeout().getNanos() == 900_000_000), WAIT);
      assertThat(unpack(cds, Cluster.class)).extracting(Cluster::getName).containsExactly("a", "b", "c");
      DiscoveryResponse eds = envoy.await("b's assignment again", r -> r.getTypeUrl().equals(EDS)
          && envoy.received().indexOf(r) > envoy.received().indexOf(cds), WAIT);
      assertThat(unpack(eds, ClusterLoadAssignment.class)).extracting(ClusterLoadAssignment::getClusterName)
          .containsExactly("b");
      awaitAcked(envoy, EDS);
      AdsTestClient.sleep(300);
      assertThat(envoy.received().subList(count, envoy.received().size())).containsExactly(cds, eds);
    }
  }

  @Test
  @DisplayName("a NACK that also subscribes new names gets those names at once, and the rejected ones are not "
      + "sent again")
  void nackThatSubscribesNewNames() {
    stage.publish(NODE, resources("10.0.0.1", 250, "/"));
    try (AdsTestClient envoy = new AdsTestClient(stage.channel(), NODE).manual().start()) {
      envoy.rejectWhen(r -> r.getTypeUrl().equals(EDS) ? Optional.of("endpoints: rejected for the test")
          : Optional.empty());
      envoy.subscribe(EDS, List.of("a"));
      DiscoveryResponse rejected = envoy.await("a's assignment", r -> r.getTypeUrl().equals(EDS), WAIT);
      AdsTestClient.sleep(300);
      envoy.rejectWhen(r -> Optional.empty());

      long start = System.nanoTime();
      envoy.send(DiscoveryRequest.newBuilder().setTypeUrl(EDS).addAllResourceNames(List.of("a", "b"))
          .setResponseNonce(rejected.getNonce()).setErrorDetail(Status.newBuilder().setCode(3).setMessage("again"))
          .build());
      DiscoveryResponse added = envoy.await("b's assignment", r -> r.getTypeUrl().equals(EDS)
          && unpack(r, ClusterLoadAssignment.class).stream().anyMatch(c -> c.getClusterName().equals("b")), WAIT);

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      assertThat(unpack(added, ClusterLoadAssignment.class)).extracting(ClusterLoadAssignment::getClusterName)
          .containsExactly("b");
      AdsTestClient.sleep(300);
      assertThat(envoy.received(EDS)).containsExactly(rejected, added);
    }
  }

  @Test
  @DisplayName("an ACK that repeats the names, in the same or another order, keeps the subscription: nothing is "
      + "sent again, a name dropped and asked for again is sent again, and a change sends only what changed")
  void ackWithTheSameNamesKeepsTheSubscription() {
    stage.publish(NODE, resources("10.0.0.1", 250, "/"));
    try (AdsTestClient envoy = new AdsTestClient(stage.channel(), NODE).manual().start()) {
      envoy.subscribe(EDS, List.of("a", "b", "c"));
      DiscoveryResponse all = envoy.await("all three assignments", r -> r.getTypeUrl().equals(EDS), WAIT);
      assertThat(unpack(all, ClusterLoadAssignment.class)).hasSize(3);
      // Envoy repeats its names in every request; the server must not take them for a new subscription.
      for (List<String> names : List.of(List.of("a", "b", "c"), List.of("a", "b", "c"), List.of("c", "a", "b"))) {
        envoy.send(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(EDS).addAllResourceNames(names)
            .setVersionInfo(all.getVersionInfo()).setResponseNonce(all.getNonce()).build());
      }

      envoy.subscribe(EDS, List.of("a", "c"));
      envoy.subscribe(EDS, List.of("a", "b", "c"));
      DiscoveryResponse again = envoy.await("b's assignment again", r -> r.getTypeUrl().equals(EDS) && r != all, WAIT);
      stage.publish(NODE, resources("10.0.0.9", 250, "/"));
      DiscoveryResponse moved = envoy.await("the moved endpoint", r -> r.getTypeUrl().equals(EDS)
          && r.toString().contains("10.0.0.9"), WAIT);

      assertThat(unpack(again, ClusterLoadAssignment.class)).extracting(ClusterLoadAssignment::getClusterName)
          .containsExactly("b");
      assertThat(unpack(moved, ClusterLoadAssignment.class)).extracting(ClusterLoadAssignment::getClusterName)
          .containsExactly("a");
      // Responses go out in order: one sent for a repeated ACK would come before these.
      assertThat(envoy.received(EDS)).containsExactly(all, again, moved);
    }
  }

  @Test
  @DisplayName("two streams of a profile get byte-identical responses (one shared body) but their own nonces")
  void sharedBodiesOwnNonces() {
    stage.publish(NODE, resources("10.0.0.1", 250, "/"));
    try (AdsTestClient one = connected(); AdsTestClient two = connected()) {
      for (String type : List.of(CDS, EDS, LDS, RDS)) {
        DiscoveryResponse first = one.latest(type, WAIT);
        DiscoveryResponse second = two.latest(type, WAIT);
        assertThat(second.toBuilder().clearNonce().build()).as(type).isEqualTo(first.toBuilder().clearNonce().build());
        assertThat(second.getNonce()).isNotEmpty();
      }
    }
  }

  private static void awaitAcked(AdsTestClient client, String type) {
    String latest = client.latest(type, WAIT).getVersionInfo();
    for (int i = 0; i < 300 && !client.ackedVersion(type).equals(Optional.of(latest)); i++) {
      AdsTestClient.sleep(10);
    }
  }
}
