package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.HandMadeResources.assignment;
import static io.shadowmirroring.xds.testing.HandMadeResources.cluster;
import static io.shadowmirroring.xds.testing.HandMadeResources.listener;
import static io.shadowmirroring.xds.testing.HandMadeResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.translate.XdsResources;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The step a stream takes next, from what it holds to its target, as a table. */
class MakeBeforeBreakTest {
  private static final ResourcePreparer PREPARER = new ResourcePreparer();

  /** Clusters given, routed to under the given prefix; an endpoint address for cluster a. */
  private static ResourceSet set(List<String> clusters, String prefix, String ipOfA) {
    return PREPARER.prepare("profile", new XdsResources(
        clusters.stream().map(name -> cluster(name, 250)).toList(),
        clusters.stream().map(name -> assignment(name, name.equals("a") ? ipOfA : "10.0.0.2")).toList(),
        List.of(listener("front", 10000, "routes")), List.of(routes("routes", prefix, clusters))));
  }

  static Stream<Arguments> steps() {
    ResourceSet ab = set(List.of("a", "b"), "/", "10.0.0.1");
    return Stream.of(
        Arguments.of("endpoints only", ab, Set.of("a", "b"), set(List.of("a", "b"), "/", "10.0.0.9"),
            MakeBeforeBreak.Kind.FINAL),
        Arguments.of("a new cluster the stream does not hold", ab, Set.of("a", "b"),
            set(List.of("a", "b", "c"), "/", "10.0.0.1"), MakeBeforeBreak.Kind.WARM_CLUSTERS),
        Arguments.of("new routes to clusters not yet ACKed", ab, Set.of("a"),
            set(List.of("a", "b"), "/api", "10.0.0.1"), MakeBeforeBreak.Kind.WARM_CLUSTERS),
        Arguments.of("new routes to held clusters, one cluster dropped", ab, Set.of("a", "b"),
            set(List.of("a"), "/", "10.0.0.1"), MakeBeforeBreak.Kind.REROUTE),
        Arguments.of("new routes to held clusters", ab, Set.of("a", "b"),
            set(List.of("a", "b"), "/api", "10.0.0.1"), MakeBeforeBreak.Kind.FINAL),
        // A stream that ACKed every cluster of what it holds keeps that set's own names (compared by key).
        Arguments.of("new routes, every held cluster ACKed", ab, ab.resources(XdsTypes.CLUSTER).keySet(),
            set(List.of("a", "b"), "/api", "10.0.0.1"), MakeBeforeBreak.Kind.FINAL),
        Arguments.of("new routes and a new cluster, every held cluster ACKed", ab,
            ab.resources(XdsTypes.CLUSTER).keySet(), set(List.of("a", "b", "c"), "/api", "10.0.0.1"),
            MakeBeforeBreak.Kind.WARM_CLUSTERS),
        Arguments.of("new routes, a held cluster dropped, every held cluster ACKed", ab,
            ab.resources(XdsTypes.CLUSTER).keySet(), set(List.of("a"), "/api", "10.0.0.1"),
            MakeBeforeBreak.Kind.REROUTE));
  }

  @org.junit.jupiter.api.Test
  @DisplayName("names keys tell apart sets whose names only concatenate alike")
  void namesKeysAreUnambiguous() {
    ResourceSet abC = set(List.of("ab", "c"), "/", "10.0.0.1");
    ResourceSet aBc = set(List.of("a", "bc"), "/", "10.0.0.1");
    assertThat(abC.namesKey(XdsTypes.CLUSTER)).isNotEqualTo(aBc.namesKey(XdsTypes.CLUSTER));
    assertThat(abC.namesKey(XdsTypes.CLUSTER))
        .isEqualTo(set(List.of("c", "ab"), "/api", "10.0.0.9").namesKey(XdsTypes.CLUSTER));
  }

  @ParameterizedTest(name = "{0}: {4}")
  @MethodSource("steps")
  @DisplayName("the next step")
  void next(String change, ResourceSet held, Set<String> heldClusters, ResourceSet target,
      MakeBeforeBreak.Kind expected) throws Exception {
    MakeBeforeBreak.Kind kind = MakeBeforeBreak.next(held, heldClusters, target);
    assertThat(kind).isEqualTo(expected);

    ResourceSet step = ResourceSet.of(MakeBeforeBreak.resources(kind, held, target), target.generation());
    // Every step resolves: its routes name only clusters it holds.
    SnapshotFactory.ensureReferencesResolve(step.resources());
    if (kind == MakeBeforeBreak.Kind.WARM_CLUSTERS) {
      assertThat(step.version(XdsTypes.ROUTE)).as("old routes").isEqualTo(held.version(XdsTypes.ROUTE));
      assertThat(step.resources(XdsTypes.CLUSTER).keySet()).containsAll(target.resources(XdsTypes.CLUSTER).keySet())
          .containsAll(held.resources(XdsTypes.CLUSTER).keySet());
    } else if (kind == MakeBeforeBreak.Kind.REROUTE) {
      assertThat(step.version(XdsTypes.ROUTE)).as("new routes").isEqualTo(target.version(XdsTypes.ROUTE));
      assertThat(step.resources(XdsTypes.CLUSTER).keySet()).as("old clusters kept")
          .containsAll(held.resources(XdsTypes.CLUSTER).keySet());
    } else {
      assertThat(step.key()).isEqualTo(target.key());
    }
  }
}
