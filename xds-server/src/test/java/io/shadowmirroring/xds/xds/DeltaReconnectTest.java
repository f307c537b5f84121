package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.HandMadeResources.assignment;
import static io.shadowmirroring.xds.testing.HandMadeResources.cluster;
import static io.shadowmirroring.xds.testing.HandMadeResources.listener;
import static io.shadowmirroring.xds.testing.HandMadeResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DeltaTestClient;
import io.shadowmirroring.xds.testing.XdsStage;
import io.shadowmirroring.xds.translate.XdsResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Delta xDS across a reconnect (issue 9 item 4, java-control-plane#463): a client that comes back with
 * {@code initial_resource_versions} is told which of its resources were removed while it was away, and
 * is sent only the resources whose content differs.
 */
class DeltaReconnectTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Node NODE = AdsTestClient.envoyNode("delta-away");

  /** The clusters given, each with its assignment; cluster c's connect timeout as given. */
  private static XdsResources resources(List<String> clusters, int timeoutOfC) {
    return new XdsResources(
        clusters.stream().map(name -> cluster(name, name.equals("c") ? timeoutOfC : 250)).toList(),
        clusters.stream().map(name -> assignment(name, "10.0.0.1")).toList(),
        List.of(listener("front", 10000, "front-routes")), List.of(routes("front-routes", "/", clusters)));
  }

  private static Map<String, String> versions(DeltaDiscoveryResponse response) {
    Map<String, String> versions = new TreeMap<>();
    response.getResourcesList().forEach(r -> versions.put(r.getName(), r.getVersion()));
    return versions;
  }

  @Test
  @DisplayName("a delta client back after a change gets only the changed and new clusters, and the removed ones "
      + "by name; its assignments likewise (plus the changed cluster's, for warming)")
  void reconnectGetsDifferencesAndRemovals() throws Exception {
    try (XdsStage stage = new XdsStage()) {
      stage.publish(NODE, resources(List.of("a", "b", "c"), 250));
      Map<String, String> clusters;
      Map<String, String> assignments;
      try (DeltaTestClient before = new DeltaTestClient(stage.channel(), NODE)) {
        before.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).build());
        DeltaDiscoveryResponse cds = before.await("clusters", r -> r.getTypeUrl().equals(CDS), WAIT);
        before.ack(cds);
        before.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS)
            .addAllResourceNamesSubscribe(List.of("a", "b", "c")).build());
        DeltaDiscoveryResponse eds = before.await("assignments", r -> r.getTypeUrl().equals(EDS), WAIT);
        before.ack(eds);
        clusters = versions(cds);
        assignments = versions(eds);
        assertThat(clusters.keySet()).containsExactly("a", "b", "c");
      }

      // While it is away: b goes, c changes, d comes.
      stage.publish(NODE, resources(List.of("a", "c", "d"), 900));

      try (DeltaTestClient after = new DeltaTestClient(stage.channel(), NODE)) {
        after.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).putAllInitialResourceVersions(clusters).build());
        DeltaDiscoveryResponse cds = after.await("clusters", r -> r.getTypeUrl().equals(CDS), WAIT);
        assertThat(DeltaTestClient.names(cds)).containsExactly("c", "d");
        assertThat(cds.getRemovedResourcesList()).containsExactly("b");
        after.ack(cds);

        after.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS)
            .addAllResourceNamesSubscribe(List.of("a", "b", "c", "d")).putAllInitialResourceVersions(assignments)
            .build());
        DeltaDiscoveryResponse eds = after.await("assignments", r -> r.getTypeUrl().equals(EDS), WAIT);
        // c's assignment did not change, but c did: it warms only once its assignment comes again.
        assertThat(DeltaTestClient.names(eds)).containsExactly("c", "d");
        assertThat(eds.getRemovedResourcesList()).containsExactly("b");
        after.ack(eds);
        AdsTestClient.sleep(300);
        assertThat(after.received()).as("nothing more while nothing changes").containsExactly(cds, eds);
      }
    }
  }

  @Test
  @DisplayName("a delta client back with exactly what is served gets an empty answer for its wildcard and no "
      + "resource again")
  void reconnectWithNothingChanged() throws Exception {
    try (XdsStage stage = new XdsStage()) {
      stage.publish(NODE, resources(List.of("a", "b"), 250));
      Map<String, String> clusters;
      try (DeltaTestClient before = new DeltaTestClient(stage.channel(), NODE)) {
        before.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).build());
        clusters = versions(before.await("clusters", r -> r.getTypeUrl().equals(CDS), WAIT));
      }
      try (DeltaTestClient after = new DeltaTestClient(stage.channel(), NODE)) {
        after.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).putAllInitialResourceVersions(clusters).build());
        DeltaDiscoveryResponse cds = after.await("the first answer", r -> r.getTypeUrl().equals(CDS), WAIT);
        assertThat(cds.getResourcesList()).isEmpty();
        assertThat(cds.getRemovedResourcesList()).isEmpty();
      }
    }
  }

  @Test
  @DisplayName("delta subscribe and unsubscribe: a name subscribed again after an unsubscribe is sent again")
  void subscribeUnsubscribe() throws Exception {
    try (XdsStage stage = new XdsStage();
         DeltaTestClient client = new DeltaTestClient(stage.channel(), NODE)) {
      stage.publish(NODE, resources(List.of("a", "b"), 250));
      client.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesSubscribe("a").build());
      DeltaDiscoveryResponse first = client.await("a", r -> DeltaTestClient.names(r).equals(List.of("a")), WAIT);
      client.ack(first);
      client.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesUnsubscribe("a")
          .addResourceNamesSubscribe("b").build());
      DeltaDiscoveryResponse second = client.await("b", r -> DeltaTestClient.names(r).equals(List.of("b")), WAIT);
      client.ack(second);
      client.send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNamesSubscribe("a").build());
      DeltaDiscoveryResponse third = client.await("a again",
          r -> r != first && DeltaTestClient.names(r).equals(List.of("a")), WAIT);

      List<String> sent = new ArrayList<>();
      client.received().forEach(r -> r.getResourcesList().stream().map(Resource::getName).forEach(sent::add));
      assertThat(sent).containsExactly("a", "b", "a");
      assertThat(third.getResources(0).getResource().unpack(ClusterLoadAssignment.class).getClusterName())
          .isEqualTo("a");
    }
  }
}
