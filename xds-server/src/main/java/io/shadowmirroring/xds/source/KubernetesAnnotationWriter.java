package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceRef;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Patches the Service's annotations through the API server: {@code kubectl get svc -o yaml} shows them.
 *
 * <p>The patch is a JSON patch that sets {@code metadata.resourceVersion} to the version read and
 * {@code metadata.annotations} to the whole new map. The API server treats a resourceVersion in the
 * patched object as a precondition and answers 409 Conflict when the object has moved on (as kubectl
 * does with {@code --resource-version}), so a concurrent {@code kubectl annotate} or another replica's
 * write is never overwritten with annotations computed from an older read.
 */
public final class KubernetesAnnotationWriter implements AnnotationWriter {
  private static final int CONFLICT = 409;
  private static final int NOT_FOUND = 404;

  private final KubernetesClient client;
  private final KubernetesSerialization json = new KubernetesSerialization();

  public KubernetesAnnotationWriter(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Stored read(ServiceRef service) throws ServiceNotFoundException, IOException {
    Service current;
    try {
      current = client.services().inNamespace(service.namespace()).withName(service.name()).get();
    } catch (KubernetesClientException e) {
      throw new IOException("could not read " + service + " from the Kubernetes API: " + oneLine(e), e);
    }
    if (current == null) {
      throw new ServiceNotFoundException(service);
    }
    Map<String, String> annotations = current.getMetadata().getAnnotations();
    return new Stored(annotations == null ? Map.of() : annotations, current.getMetadata().getResourceVersion());
  }

  @Override
  public void replaceMirrorAnnotations(ServiceRef service, Stored base, Map<String, String> mirrorAnnotations)
      throws ServiceNotFoundException, ConflictException, IOException {
    Map<String, String> annotations = new TreeMap<>();
    base.annotations().forEach((key, value) -> {
      if (!key.startsWith(MirrorAnnotations.PREFIX)) {
        annotations.put(key, value);
      }
    });
    annotations.putAll(mirrorAnnotations);
    // "add" replaces an existing member (RFC 6902 4.1), so both ops work whether or not the field exists.
    List<Map<String, Object>> operations = new ArrayList<>();
    if (base.version() != null) {
      operations.add(Map.of("op", "add", "path", "/metadata/resourceVersion", "value", base.version()));
    }
    operations.add(Map.of("op", "add", "path", "/metadata/annotations", "value", annotations));
    String patch = json.asJson(operations);
    try {
      client.services().inNamespace(service.namespace()).withName(service.name())
          .patch(PatchContext.of(PatchType.JSON), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() == NOT_FOUND) {
        throw new ServiceNotFoundException(service);
      }
      if (e.getCode() == CONFLICT) {
        throw new ConflictException("service " + service + " changed since resourceVersion " + base.version());
      }
      throw new IOException("the Kubernetes API refused the patch of " + service + ": " + oneLine(e), e);
    }
  }

  private static String oneLine(KubernetesClientException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replaceAll("\\s+", " ").trim();
  }
}
