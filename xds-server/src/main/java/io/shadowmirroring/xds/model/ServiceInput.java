package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A Service as any source (Kubernetes API, YAML directory) reports it: only what mirroring needs. */
public record ServiceInput(ServiceRef ref, Map<String, String> annotations, List<ServicePort> ports) {
  public ServiceInput {
    annotations = annotations == null ? Map.of() : java.util.Collections.unmodifiableMap(withoutNulls(annotations));
    ports = List.copyOf(ports);
  }

  // YAML "key:" with nothing after it is a null; the API server stores it as the empty string.
  private static TreeMap<String, String> withoutNulls(Map<String, String> annotations) {
    TreeMap<String, String> copy = new TreeMap<>();
    annotations.forEach((key, value) -> copy.put(key, value == null ? "" : value));
    return copy;
  }
}
