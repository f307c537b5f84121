package io.shadowmirroring.xds.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An inventory's EndpointSlices walked beside the last build's (both sorted by namespace and name): each
 * one checked, or its last check kept when it is the same slice, and each Service's slices regrouped only
 * where a slice changed.
 *
 * @param checked at the same index as {@code inputs}
 * @param changed a slice was added, removed or changed (the endpoint problems may differ)
 * @param touched the Services whose slices changed: those a changed slice names, before or after
 * @param byService each Service's checked slices, in name order
 */
record SliceWalk(EndpointSliceInput[] inputs, EndpointIndex.CheckedSlice[] checked, boolean changed,
    Set<ServiceRef> touched, Map<ServiceRef, List<EndpointIndex.CheckedSlice>> byService, boolean duplicateKeys) {

  private static final Comparator<EndpointSliceInput> BY_KEY =
      Comparator.comparing(EndpointSliceInput::namespace).thenComparing(EndpointSliceInput::name);

  static SliceWalk beside(LastBuild was, List<EndpointSliceInput> listed) {
    EndpointSliceInput[] before = was.slices;
    EndpointSliceInput[] inputs = listed.toArray(new EndpointSliceInput[0]);
    EndpointIndex.CheckedSlice[] checked = new EndpointIndex.CheckedSlice[inputs.length];
    List<EndpointIndex.CheckedSlice> removed = new ArrayList<>();
    List<EndpointIndex.CheckedSlice> added = new ArrayList<>();
    // A key that becomes duplicate always has a slice that is not carried by reference (slices are paired
    // by position), so comparing those with their neighbours finds it; the flag then holds until the
    // duplicates are gone.
    boolean duplicateKeys = was.duplicateSliceKeys;
    int o = 0;
    for (int j = 0; j < inputs.length; j++) {
      EndpointSliceInput slice = inputs[j];
      if (o < before.length && slice == before[o]) {
        checked[j] = was.checked[o++];
        continue;
      }
      duplicateKeys |= (j > 0 && BY_KEY.compare(inputs[j - 1], slice) == 0)
          || (j + 1 < inputs.length && BY_KEY.compare(inputs[j + 1], slice) == 0);
      while (o < before.length && BY_KEY.compare(before[o], slice) < 0) {
        removed.add(was.checked[o++]);
      }
      EndpointIndex.CheckedSlice last =
          o < before.length && BY_KEY.compare(before[o], slice) == 0 ? was.checked[o++] : null;
      if (last != null && last.input().equals(slice)) {
        checked[j] = last;
        continue;
      }
      if (last != null) {
        removed.add(last);
      }
      checked[j] = EndpointIndex.check(slice);
      added.add(checked[j]);
    }
    while (o < before.length) {
      removed.add(was.checked[o++]);
    }

    Set<ServiceRef> touched = new HashSet<>();
    removed.forEach(slice -> addService(touched, slice));
    added.forEach(slice -> addService(touched, slice));
    boolean changed = !removed.isEmpty() || !added.isEmpty();
    Map<ServiceRef, List<EndpointIndex.CheckedSlice>> byService;
    if (!changed) {
      byService = was.slicesByService;
    } else if (duplicateKeys || before.length == 0) {
      byService = grouped(checked);
    } else {
      byService = was.slicesByService;
      patch(byService, removed, added);
    }
    return new SliceWalk(inputs, checked, changed, touched, byService, duplicateKeys && hasDuplicateKeys(inputs));
  }

  private static void addService(Set<ServiceRef> touched, EndpointIndex.CheckedSlice slice) {
    if (slice.service() != null) {
      touched.add(slice.service());
    }
  }

  private static Map<ServiceRef, List<EndpointIndex.CheckedSlice>> grouped(EndpointIndex.CheckedSlice[] checked) {
    Map<ServiceRef, List<EndpointIndex.CheckedSlice>> byService = new HashMap<>();
    // In the inventory's order, so each Service's list is in name order (and duplicates in the inventory's).
    for (EndpointIndex.CheckedSlice slice : checked) {
      if (slice.service() != null) {
        byService.computeIfAbsent(slice.service(), k -> new ArrayList<>(1)).add(slice);
      }
    }
    return byService;
  }

  /**
   * Replaces the lists of the Services a changed slice names by new ones (the last build's outputs keep the
   * old lists). Without duplicate keys, name order is one order: the same as grouping gives.
   */
  private static void patch(Map<ServiceRef, List<EndpointIndex.CheckedSlice>> byService,
      List<EndpointIndex.CheckedSlice> removed, List<EndpointIndex.CheckedSlice> added) {
    Map<ServiceRef, List<EndpointIndex.CheckedSlice>> lists = new HashMap<>();
    for (EndpointIndex.CheckedSlice slice : removed) {
      if (slice.service() != null) {
        listOf(lists, byService, slice.service()).removeIf(kept -> kept == slice);
      }
    }
    for (EndpointIndex.CheckedSlice slice : added) {
      if (slice.service() != null) {
        listOf(lists, byService, slice.service()).add(slice);
      }
    }
    lists.forEach((service, list) -> {
      if (list.isEmpty()) {
        byService.remove(service);
      } else {
        list.sort(Comparator.comparing(EndpointIndex.CheckedSlice::input, BY_KEY));
        byService.put(service, list);
      }
    });
  }

  private static List<EndpointIndex.CheckedSlice> listOf(Map<ServiceRef, List<EndpointIndex.CheckedSlice>> lists,
      Map<ServiceRef, List<EndpointIndex.CheckedSlice>> byService, ServiceRef service) {
    return lists.computeIfAbsent(service, s -> new ArrayList<>(byService.getOrDefault(s, List.of())));
  }

  private static boolean hasDuplicateKeys(EndpointSliceInput[] inputs) {
    for (int j = 1; j < inputs.length; j++) {
      if (BY_KEY.compare(inputs[j - 1], inputs[j]) == 0) {
        return true;
      }
    }
    return false;
  }
}
