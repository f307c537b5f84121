package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.HandMadeResources.assignment;
import static io.shadowmirroring.xds.testing.HandMadeResources.cluster;
import static io.shadowmirroring.xds.testing.HandMadeResources.listener;
import static io.shadowmirroring.xds.testing.HandMadeResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the publisher does again per profile and publish: preparing ({@link ResourcePreparer}) and checking
 * references ({@link SnapshotFactory#checksAs}) only what changed, with the same result as from scratch.
 */
class ResourcePreparerTest {
  private final List<Cluster> clusters = List.of(cluster("a", 250), cluster("b", 250), cluster("c", 250));
  private final List<Listener> listeners = List.of(listener("front", 10000, "routes"));
  private final List<RouteConfiguration> routes = List.of(routes("routes", "/", List.of("a", "b", "c")));

  private List<ClusterLoadAssignment> assignments(String ipOfB) {
    return List.of(assignment("a", "10.0.0.1"), assignment("b", ipOfB), assignment("c", "10.0.0.3"));
  }

  @Test
  @DisplayName("an endpoint change serializes only its assignment; unchanged types are the very same, and the set "
      + "equals one prepared from scratch")
  void onlyTheChangeIsPrepared() {
    ResourcePreparer preparer = new ResourcePreparer();
    XdsResources first = new XdsResources(clusters, assignments("10.0.0.2"), listeners, routes);
    XdsResources second = new XdsResources(clusters, assignments("10.0.0.9"), listeners, routes);

    ResourceSet before = preparer.prepare("p", first);
    preparer.nextGeneration();
    ResourceSet after = preparer.prepare("p", second);

    assertThat(after.resources(XdsTypes.CLUSTER)).isSameAs(before.resources(XdsTypes.CLUSTER));
    assertThat(after.resources(XdsTypes.ROUTE)).isSameAs(before.resources(XdsTypes.ROUTE));
    assertThat(after.resources(XdsTypes.ENDPOINT).get("a")).isSameAs(before.resources(XdsTypes.ENDPOINT).get("a"));
    assertThat(after.resources(XdsTypes.ENDPOINT).get("b")).isNotSameAs(before.resources(XdsTypes.ENDPOINT).get("b"));
    assertThat(after.changedSince(XdsTypes.ENDPOINT, before.resources(XdsTypes.ENDPOINT)))
        .extracting(PreparedResource::name).containsExactly("b");
    assertThat(after.generation()).isGreaterThan(before.generation());

    ResourceSet fresh = new ResourcePreparer().prepare("p", second);
    assertThat(after.key()).isEqualTo(fresh.key());
    for (String type : XdsTypes.SERVED) {
      assertThat(after.resources(type).keySet()).as(type).isEqualTo(fresh.resources(type).keySet());
      after.resources(type).forEach((name, resource) ->
          assertThat(resource.any()).as(type + " " + name).isEqualTo(fresh.resources(type).get(name).any()));
    }
  }

  @Test
  @DisplayName("a resource added or removed amid others keeps the others prepared; equal content in another profile "
      + "is shared; a dropped profile's memo is forgotten")
  void listsThatShiftAndOtherProfiles() {
    ResourcePreparer preparer = new ResourcePreparer();
    ResourceSet abc = preparer.prepare("p", new XdsResources(clusters, assignments("10.0.0.2"), listeners, routes));
    List<Cluster> withoutB = List.of(clusters.get(0), clusters.get(2));
    ResourceSet ac = preparer.prepare("p", new XdsResources(withoutB, assignments("10.0.0.2"), listeners, routes));
    assertThat(ac.resources(XdsTypes.CLUSTER).get("c")).isSameAs(abc.resources(XdsTypes.CLUSTER).get("c"));
    assertThat(ac.resources(XdsTypes.CLUSTER)).doesNotContainKey("b");
    List<Cluster> withD = new ArrayList<>(withoutB);
    withD.add(1, cluster("b2", 250));
    ResourceSet withNew = preparer.prepare("p", new XdsResources(withD, assignments("10.0.0.2"), listeners, routes));
    assertThat(withNew.resources(XdsTypes.CLUSTER).get("a")).isSameAs(abc.resources(XdsTypes.CLUSTER).get("a"));
    assertThat(withNew.resources(XdsTypes.CLUSTER).get("c")).isSameAs(abc.resources(XdsTypes.CLUSTER).get("c"));

    // Another profile: other message objects, the same content.
    ResourceSet other = preparer.prepare("q", new XdsResources(List.of(cluster("a", 250)), List.of(), List.of(),
        List.of()));
    assertThat(other.resources(XdsTypes.CLUSTER).get("a")).isSameAs(abc.resources(XdsTypes.CLUSTER).get("a"));

    preparer.retain(List.of("q"));
    ResourceSet again = preparer.prepare("q", new XdsResources(List.of(cluster("c", 250)), List.of(), List.of(),
        List.of()));
    assertThat(again.resources(XdsTypes.CLUSTER).get("c")).as("p's memo is gone, so nothing to share")
        .isNotSameAs(abc.resources(XdsTypes.CLUSTER).get("c"))
        .isEqualTo(abc.resources(XdsTypes.CLUSTER).get("c"));
  }

  @Test
  @DisplayName("the reference check is skipped only for what it does not read: the assignments' content")
  void checksAs() throws Exception {
    XdsResources checked = new XdsResources(clusters, assignments("10.0.0.2"), listeners, routes);
    SnapshotFactory.ensureReferencesResolve(checked);

    assertThat(SnapshotFactory.checksAs(new XdsResources(clusters, assignments("10.0.0.9"), listeners, routes),
        checked)).as("endpoints moved").isTrue();
    assertThat(SnapshotFactory.checksAs(checked, null)).as("nothing checked yet").isFalse();
    XdsResources assignmentGone = new XdsResources(clusters, assignments("10.0.0.2").subList(0, 2), listeners, routes);
    assertThat(SnapshotFactory.checksAs(assignmentGone, checked)).isFalse();
    assertThatThrownBy(() -> SnapshotFactory.ensureReferencesResolve(assignmentGone))
        .isInstanceOf(SnapshotConsistencyException.class);
    List<ClusterLoadAssignment> renamed = List.of(assignment("a", "10.0.0.1"), assignment("b", "10.0.0.2"),
        assignment("d", "10.0.0.3"));
    assertThat(SnapshotFactory.checksAs(new XdsResources(clusters, renamed, listeners, routes), checked)).isFalse();
    assertThat(SnapshotFactory.checksAs(new XdsResources(List.of(cluster("a", 250), cluster("b", 250),
        cluster("c", 250)), assignments("10.0.0.2"), listeners, routes), checked))
        .as("equal clusters, other objects: checked again").isFalse();
    assertThat(SnapshotFactory.checksAs(new XdsResources(clusters, assignments("10.0.0.2"), listeners,
        List.of(routes("routes", "/", List.of("a", "b", "x")))), checked)).isFalse();
  }
}
