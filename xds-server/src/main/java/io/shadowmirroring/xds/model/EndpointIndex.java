package io.shadowmirroring.xds.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The ready addresses of each Service port, from the EndpointSlices that name the Service. */
final class EndpointIndex {
  private final Map<ServiceRef, List<EndpointSliceInput>> slicesByService = new HashMap<>();

  EndpointIndex(List<EndpointSliceInput> slices) {
    for (EndpointSliceInput slice : slices) {
      if (slice.serviceName() != null && !slice.serviceName().isEmpty()) {
        slicesByService.computeIfAbsent(new ServiceRef(slice.namespace(), slice.serviceName()),
            k -> new ArrayList<>()).add(slice);
      }
    }
  }

  /**
   * Slice ports carry the Service port's name and the resolved targetPort number, which is how named
   * targetPorts get resolved. An unnamed slice port matches only a single-port Service.
   */
  List<EndpointAddress> addresses(ServiceRef service, ServicePort port, int servicePortCount) {
    List<EndpointAddress> result = new ArrayList<>();
    for (EndpointSliceInput slice : slicesByService.getOrDefault(service, List.of())) {
      for (EndpointSliceInput.Port slicePort : slice.ports()) {
        boolean matches = slicePort.name().equals(port.name())
            || (slicePort.name().isEmpty() && servicePortCount == 1);
        if (!matches) {
          continue;
        }
        for (EndpointSliceInput.Endpoint endpoint : slice.endpoints()) {
          if (endpoint.ready() && !endpoint.addresses().isEmpty()) {
            result.add(new EndpointAddress(endpoint.addresses().get(0), slicePort.port(), endpoint.zone()));
          }
        }
      }
    }
    return result;
  }
}
