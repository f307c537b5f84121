package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shadowmirroring.xds.testing.AdsTestClient;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SharedNamesTest {
  private final SharedNames shared = new SharedNames();

  private static List<String> names(int count, String prefix) {
    return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
  }

  @Test
  @DisplayName("equal names from different requests, in any order and with repeats, get the very same set")
  void equalNamesShareOneSet() {
    List<String> first = names(10_000, "shared-service-");
    List<String> second = new java.util.ArrayList<>(names(10_000, "shared-service-"));
    java.util.Collections.reverse(second);
    second.add("shared-service-7");
    Set<String> a = shared.of(first);
    Set<String> b = shared.of(second);
    assertThat(b).isSameAs(a).containsExactlyInAnyOrderElementsOf(first);
  }

  @Test
  @DisplayName("different names get their own set, which cannot be changed by whoever holds it")
  void differentNamesAreNotShared() {
    Set<String> a = shared.of(names(100, "own-a-"));
    Set<String> b = shared.of(names(100, "own-b-"));
    assertThat(b).isNotSameAs(a).isNotEqualTo(a);
    assertThatThrownBy(() -> a.add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @DisplayName("large distinct lists are not all kept: past the bound on names kept, the eldest are forgotten")
  void keepsABoundedNumberOfNames() {
    int size = ServingStream.MAX_NAMES;
    Set<String> first = shared.of(names(size, "first-"));
    for (int i = 0; i < SharedNames.NAMES_KEPT / size; i++) {
      shared.of(names(size, "other-" + i + "-"));
    }
    assertThat(shared.of(names(size, "first-"))).isNotSameAs(first).isEqualTo(first);
  }

  private static SotwRequest request(List<String> names) {
    return SotwRequest.of(io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest.newBuilder()
        .setTypeUrl(AdsTestClient.EDS).addAllResourceNames(names).build());
  }

  @Test
  @DisplayName("a request that encodes kept names byte for byte finds them without decoding; another order, "
      + "another list, no names or forgotten names find nothing")
  void foundByTheirBytes() throws Exception {
    List<String> list = names(1000, "wire-");
    SotwRequest first = request(list);
    SharedNames.Names kept = shared.of(first.names(), first.namesBytes());

    assertThat(shared.ofWire(request(list))).isSameAs(kept);
    List<String> reversed = new java.util.ArrayList<>(list);
    java.util.Collections.reverse(reversed);
    assertThat(shared.ofWire(request(reversed))).as("same names, other order").isNull();
    assertThat(shared.of(reversed, request(reversed).namesBytes())).as("found by the set").isSameAs(kept);
    assertThat(shared.ofWire(request(names(1000, "wirf-")))).as("other names").isNull();
    assertThat(shared.ofWire(request(List.of()))).as("none").isNull();

    for (int i = 0; i < SharedNames.NAMES_KEPT / 1000 + 1; i++) {
      SotwRequest other = request(names(1000, "evict-" + i + "-"));
      shared.of(other.names(), other.namesBytes());
    }
    assertThat(shared.ofWire(request(list))).as("forgotten").isNull();
  }
}
