package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A Service as any source (Kubernetes API, YAML directory) reports it: only what mirroring needs. */
public record ServiceInput(ServiceRef ref, Map<String, String> annotations, List<ServicePort> ports) {
  public ServiceInput {
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(annotations));
    ports = List.copyOf(ports);
  }
}
