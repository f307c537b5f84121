package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
