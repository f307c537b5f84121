package io.shadowmirroring.xds.model;

import java.util.Comparator;
import java.util.List;

/** The whole desired state, independent of where it came from and of Envoy's protos. */
public record MeshModel(List<ServicePortModel> ports) {
  public MeshModel {
    ports = ports.stream().sorted(Comparator.comparing(ServicePortModel::cluster)).toList();
  }

  public static MeshModel empty() {
    return new MeshModel(List.of());
  }
}
