package io.shadowmirroring.xds.model;

import java.util.Comparator;
import java.util.List;

/** The whole desired state, independent of where it came from and of Envoy's protos. */
public record MeshModel(List<ServicePortModel> ports) {
  public MeshModel {
    // Builders give them sorted already (one pass checks); an unsorted list is sorted here.
    boolean sorted = true;
    for (int i = 1; i < ports.size() && sorted; i++) {
      sorted = ports.get(i - 1).cluster().compareTo(ports.get(i).cluster()) <= 0;
    }
    ports = sorted ? List.copyOf(ports) : ports.stream().sorted(Comparator.comparing(ServicePortModel::cluster)).toList();
  }

  public static MeshModel empty() {
    return new MeshModel(List.of());
  }
}
