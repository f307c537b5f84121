package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Map;

/**
 * A {@link MeshModelBuilder}'s last build: its inputs in the inventory's order (Services by ref without
 * duplicates, slices by namespace and name), what each became at the same index, and the result. The next
 * build walks its inventory beside these arrays.
 */
final class LastBuild {
  /** Before the first build: everything is new. Nothing in it is ever written to. */
  static final LastBuild NONE = new LastBuild(new ServiceInput[0], new MeshModelBuilder.ServiceOutputs[0], Map.of(),
      new EndpointSliceInput[0], new EndpointIndex.CheckedSlice[0], Map.of(), false, null);

  final ServiceInput[] services;
  final MeshModelBuilder.ServiceOutputs[] outputs;
  final Map<ServiceRef, ServiceInput> byRef;
  final EndpointSliceInput[] slices;
  final EndpointIndex.CheckedSlice[] checked;
  /**
   * Each Service's checked slices in name order. Owned by the builder, which patches it for the next build;
   * its lists are never changed once made (the outputs keep them).
   */
  final Map<ServiceRef, List<EndpointIndex.CheckedSlice>> slicesByService;
  /** Two slices had the same namespace and name: their order is the inventory's, so the next build regroups. */
  final boolean duplicateSliceKeys;
  /** Null before the first build. */
  final ModelBuild result;

  LastBuild(ServiceInput[] services, MeshModelBuilder.ServiceOutputs[] outputs, Map<ServiceRef, ServiceInput> byRef,
      EndpointSliceInput[] slices, EndpointIndex.CheckedSlice[] checked,
      Map<ServiceRef, List<EndpointIndex.CheckedSlice>> slicesByService, boolean duplicateSliceKeys,
      ModelBuild result) {
    this.services = services;
    this.outputs = outputs;
    this.byRef = byRef;
    this.slices = slices;
    this.checked = checked;
    this.slicesByService = slicesByService;
    this.duplicateSliceKeys = duplicateSliceKeys;
    this.result = result;
  }
}
