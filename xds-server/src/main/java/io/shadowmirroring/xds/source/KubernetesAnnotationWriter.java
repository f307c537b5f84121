package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceRef;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/** Patches the Service's annotations through the API server: {@code kubectl get svc -o yaml} shows them. */
public final class KubernetesAnnotationWriter implements AnnotationWriter {
  private final KubernetesClient client;

  public KubernetesAnnotationWriter(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Map<String, String> currentAnnotations(ServiceRef service) throws ServiceNotFoundException, IOException {
    try {
      var current = client.services().inNamespace(service.namespace()).withName(service.name()).get();
      if (current == null) {
        throw new ServiceNotFoundException(service);
      }
      return current.getMetadata().getAnnotations() == null ? Map.of() : current.getMetadata().getAnnotations();
    } catch (KubernetesClientException e) {
      throw new IOException("could not read " + service + " from the Kubernetes API: " + e.getMessage(), e);
    }
  }

  @Override
  public void replaceMirrorAnnotations(ServiceRef service, Map<String, String> mirrorAnnotations)
      throws ServiceNotFoundException, IOException {
    var resource = client.services().inNamespace(service.namespace()).withName(service.name());
    try {
      if (resource.get() == null) {
        throw new ServiceNotFoundException(service);
      }
      // edit() sends a JSON patch of the difference: only the annotations change, with optimistic
      // concurrency on the resourceVersion it read.
      resource.edit(current -> {
        Map<String, String> annotations = new HashMap<>();
        if (current.getMetadata().getAnnotations() != null) {
          current.getMetadata().getAnnotations().forEach((k, v) -> {
            if (!k.startsWith(MirrorAnnotations.PREFIX)) {
              annotations.put(k, v);
            }
          });
        }
        annotations.putAll(mirrorAnnotations);
        current.getMetadata().setAnnotations(annotations);
        return current;
      });
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        throw new ServiceNotFoundException(service);
      }
      throw new IOException("the Kubernetes API refused the patch of " + service + ": " + e.getMessage(), e);
    }
  }
}
