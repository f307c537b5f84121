package io.shadowmirroring.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Map;

/**
 * fabric8's mock API server in CRUD mode, used the way kubectl would be: create objects, read
 * them back, patch them. It has no API discovery, so Istio's kinds are registered up front.
 */
final class MockCluster {

  static final ResourceDefinitionContext VIRTUAL_SERVICE = istio("VirtualService", "virtualservices");
  static final ResourceDefinitionContext DESTINATION_RULE = istio("DestinationRule", "destinationrules");
  private static final Map<String, ResourceDefinitionContext> ISTIO_KINDS = Map.of(
      "VirtualService", VIRTUAL_SERVICE, "DestinationRule", DESTINATION_RULE);

  private final KubernetesClient client;

  MockCluster(KubernetesMockServer server, KubernetesClient client) {
    this.client = client;
    ISTIO_KINDS.values().forEach(kind -> server.expectCustomResource((CustomResourceDefinitionContext) kind));
  }

  KubernetesClient client() {
    return client;
  }

  /** Creates the object as {@code kubectl create} would, and returns what the server stored. */
  HasMetadata create(HasMetadata object) {
    if (object instanceof GenericKubernetesResource generic) {
      return client.genericKubernetesResources(istioKind(generic))
          .inNamespace(generic.getMetadata().getNamespace())
          .resource(generic)
          .create();
    }
    return client.resource(object).create();
  }

  /** The stored copy of an object with the same kind, namespace and name, or null. */
  HasMetadata read(HasMetadata object) {
    if (object instanceof GenericKubernetesResource generic) {
      return client.genericKubernetesResources(istioKind(generic))
          .inNamespace(generic.getMetadata().getNamespace())
          .withName(generic.getMetadata().getName())
          .get();
    }
    return client.resource(object).get();
  }

  private static ResourceDefinitionContext istioKind(GenericKubernetesResource resource) {
    ResourceDefinitionContext kind = ISTIO_KINDS.get(resource.getKind());
    if (kind == null) {
      throw new IllegalArgumentException("no resource definition registered for " + resource.getApiVersion()
          + " " + resource.getKind());
    }
    return kind;
  }

  private static ResourceDefinitionContext istio(String kind, String plural) {
    return new CustomResourceDefinitionContext.Builder()
        .withGroup("networking.istio.io")
        .withVersion("v1alpha3")
        .withKind(kind)
        .withPlural(plural)
        .withScope("Namespaced")
        .build();
  }
}
