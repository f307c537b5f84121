package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.ServiceInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads Services and EndpointSlices out of Kubernetes YAML (multi-document, {@code kind: List}
 * allowed). Other kinds, such as the Deployments next to them in a manifest, are skipped.
 */
public final class YamlManifests {
  private final KubernetesSerialization serialization = new KubernetesSerialization();

  /** What one file holds. */
  public record Contents(List<ServiceInput> services, List<EndpointSliceInput> endpointSlices) {
    public static final Contents EMPTY = new Contents(List.of(), List.of());
  }

  /** Thrown with a one-line reason naming the document that could not be read. */
  public static final class ManifestException extends Exception {
    public ManifestException(String message) {
      super(message, null, false, false);
    }
  }

  public Contents parse(String yaml) throws ManifestException {
    List<ServiceInput> services = new ArrayList<>();
    List<EndpointSliceInput> slices = new ArrayList<>();
    int index = 0;
    try {
      for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
        index++;
        collect(document, index, services, slices);
      }
    } catch (org.yaml.snakeyaml.error.YAMLException e) {
      throw new ManifestException("document " + (index + 1) + ": not valid YAML: "
          + e.getMessage().replaceAll("\\s+", " ").trim());
    }
    return new Contents(services, slices);
  }

  private void collect(Object document, int index, List<ServiceInput> services, List<EndpointSliceInput> slices)
      throws ManifestException {
    if (document == null) {
      return;
    }
    if (!(document instanceof Map<?, ?> map)) {
      throw new ManifestException("document " + index + ": expected a Kubernetes object, found "
          + document.getClass().getSimpleName());
    }
    Object kind = map.get("kind");
    Object apiVersion = map.get("apiVersion");
    try {
      if ("List".equals(kind) || (kind instanceof String k && k.endsWith("List") && map.get("items") instanceof List)) {
        for (Object item : (List<?>) map.get("items")) {
          collect(item, index, services, slices);
        }
      } else if ("Service".equals(kind) && "v1".equals(apiVersion)) {
        Service service = serialization.convertValue(map, Service.class);
        requireName(service.getMetadata() == null ? null : service.getMetadata().getName(), index, "Service");
        services.add(KubernetesObjects.service(service, "default"));
      } else if ("EndpointSlice".equals(kind) && "discovery.k8s.io/v1".equals(apiVersion)) {
        EndpointSlice slice = serialization.convertValue(map, EndpointSlice.class);
        requireName(slice.getMetadata() == null ? null : slice.getMetadata().getName(), index, "EndpointSlice");
        slices.add(KubernetesObjects.endpointSlice(slice, "default"));
      }
    } catch (IllegalArgumentException | ClassCastException e) {
      throw new ManifestException("document " + index + " (" + kind + "): " + firstLine(e.getMessage()));
    } catch (RuntimeException e) {
      throw new ManifestException("document " + index + " (" + kind + "): " + firstLine(String.valueOf(e.getMessage())));
    }
  }

  private static void requireName(String name, int index, String kind) throws ManifestException {
    if (name == null || name.isBlank()) {
      throw new ManifestException("document " + index + " (" + kind + "): metadata.name is missing");
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
