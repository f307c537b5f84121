package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Everything the seed applies is accepted by an API server (fabric8's mock, in CRUD mode) and
 * reads back as written. Istio's kinds go through the generic client.
 */
@EnableKubernetesMockClient(crud = true)
class MockClusterTest {

  /** The seed's order: namespace, production, services, shadow, Istio; then this repo's additions. */
  private static final List<String> SEED_ORDER = List.of("namespace.yaml", "deployment-production.yaml",
      "service.yaml", "deployment-shadow.yaml", "istio-mirroring.yaml", "xds-server.yaml", "webhook.yaml", "envoy.yaml",
      "nginx-ingress-mirroring.yaml");

  KubernetesMockServer server;
  KubernetesClient client;
  private MockCluster cluster;

  @BeforeEach
  void connect() {
    cluster = new MockCluster(server, client);
  }

  @Test
  void theSeedOrderListsEveryManifestFile() {
    assertThat(RepoFiles.manifestFiles())
        .extracting(f -> f.getFileName().toString())
        .containsExactlyInAnyOrderElementsOf(SEED_ORDER);
  }

  @Test
  void everyManifestIsCreatedInTheSeedsOrderAndReadsBackUnchanged() {
    for (String file : SEED_ORDER) {
      for (HasMetadata object : KubeObjects.parse(RepoFiles.manifest(file)).items()) {
        cluster.create(object);

        HasMetadata stored = cluster.read(object);
        assertThat(stored).as("%s from %s", KubeObjects.id(object), file).isNotNull();
        assertThat(stripServerFields(stored)).isEqualTo(stripServerFields(object));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  void everyObjectTheChartRendersForASeedStepIsCreated(SeedStep step) {
    KubeObjects rendered = HelmChart.render(step);

    for (HasMetadata object : rendered.items()) {
      cluster.create(object);
    }

    assertThat(rendered.items()).allSatisfy(o -> assertThat(cluster.read(o)).as(KubeObjects.id(o)).isNotNull());
  }

  @Test
  void promotionAndRollbackAreAnnotationEditsOnAppService() {
    KubeObjects.parse(RepoFiles.manifest("namespace.yaml")).items().forEach(cluster::create);
    KubeObjects.parse(RepoFiles.manifest("service.yaml")).items().forEach(cluster::create);
    var appService = client.services().inNamespace("shadow-demo").withName("app-service");

    // kubectl annotate svc app-service -n shadow-demo shadow-mirroring.io/promote=app-shadow-service
    appService.edit(s -> annotate(s, "shadow-mirroring.io/promote", "app-shadow-service"));
    assertThat(appService.get().getMetadata().getAnnotations())
        .containsEntry("shadow-mirroring.io/promote", "app-shadow-service")
        .containsEntry("shadow-mirroring.io/mirror-to", "app-shadow-service");

    // kubectl annotate svc app-service -n shadow-demo shadow-mirroring.io/promote-
    appService.edit(s -> annotate(s, "shadow-mirroring.io/promote", null));
    assertThat(appService.get().getMetadata().getAnnotations())
        .doesNotContainKey("shadow-mirroring.io/promote")
        .containsEntry("shadow-mirroring.io/mirror-to", "app-shadow-service");
  }

  private static Service annotate(Service service, String key, String value) {
    if (value == null) {
      service.getMetadata().getAnnotations().remove(key);
    } else {
      service.getMetadata().getAnnotations().put(key, value);
    }
    return service;
  }

  /** Drops what the server fills in (uid, resourceVersion, timestamps) before comparing. */
  private static HasMetadata stripServerFields(HasMetadata object) {
    HasMetadata copy = Serialization.clone(object);
    copy.getMetadata().setUid(null);
    copy.getMetadata().setResourceVersion(null);
    copy.getMetadata().setCreationTimestamp(null);
    copy.getMetadata().setGeneration(null);
    copy.getMetadata().setManagedFields(null);
    return copy;
  }
}
