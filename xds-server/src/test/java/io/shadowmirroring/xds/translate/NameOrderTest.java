package io.shadowmirroring.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Comparator;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@link NameOrder}: always name order, whether it sorts or takes the last order again. */
class NameOrderTest {
  record Item(String name, int version) {}

  @Test
  @DisplayName("random lists, some with the same names as the list before: always sorted by name, stable")
  void alwaysSorted() {
    Random random = new Random(8);
    NameOrder<Item> order = new NameOrder<>(Item::name);
    List<Item> last = List.of();
    for (int round = 0; round < 500; round++) {
      List<Item> input;
      if (!last.isEmpty() && random.nextBoolean()) {
        // The names where they were, one item of new content (an endpoint change).
        int changed = random.nextInt(last.size());
        List<Item> previous = last;
        input = IntStream.range(0, previous.size()).mapToObj(i -> i == changed
            ? new Item(previous.get(i).name(), previous.get(i).version() + 1) : previous.get(i)).toList();
      } else {
        input = IntStream.range(0, random.nextInt(30))
            .mapToObj(i -> new Item(List.of("ns/a-b:80", "ns/a:80", "mirror/x", "b", "a")
                .get(random.nextInt(5)) + random.nextInt(4), 0)).toList();
      }
      List<Item> expected = input.stream().sorted(Comparator.comparing((Function<Item, String>) Item::name)).toList();

      assertThat(order.sort(input)).as("round %d: %s", round, input).containsExactlyElementsOf(expected);
      last = input;
    }
  }

  @Test
  @DisplayName("resources take a list it put in name order as it is, and sort one it put in another order")
  void resourcesTrustOnlyNameOrder() {
    List<Cluster> clusters = List.of(cluster("b", "1"), cluster("a", "2"), cluster("c", "0"));
    List<Cluster> byName = new NameOrder<>(XdsResources.CLUSTER_NAME).sort(clusters);
    List<Cluster> byStatName = new NameOrder<Cluster>(Cluster::getAltStatName).sort(clusters);

    assertThat(new XdsResources(byName, List.of(), List.of(), List.of()).clusters()).isSameAs(byName);
    assertThat(new XdsResources(byStatName, List.of(), List.of(), List.of()).clusters())
        .extracting(Cluster::getName).containsExactly("a", "b", "c");
  }

  private static Cluster cluster(String name, String statName) {
    return Cluster.newBuilder().setName(name).setAltStatName(statName).build();
  }
}
