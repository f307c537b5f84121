package io.shadowmirroring.xds.model;

import java.util.Comparator;
import java.util.List;

/** Everything a source knows at one moment. Sources produce it; the model is derived from it alone. */
public record Inventory(List<ServiceInput> services, List<EndpointSliceInput> endpointSlices) {
  public Inventory {
    services = services.stream().sorted(Comparator.comparing(ServiceInput::ref)).toList();
    endpointSlices = endpointSlices.stream()
        .sorted(Comparator.comparing(EndpointSliceInput::namespace).thenComparing(EndpointSliceInput::name))
        .toList();
  }

  public static Inventory empty() {
    return new Inventory(List.of(), List.of());
  }
}
