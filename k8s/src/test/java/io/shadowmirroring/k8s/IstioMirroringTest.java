package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Method 1 of the seed, for clusters with Istio: k8s/manifests/istio-mirroring.yaml. */
@EnableKubernetesMockClient(crud = true)
class IstioMirroringTest {

  /** The seed's promotion, verbatim. */
  private static final String SEED_PROMOTE_PATCH =
      "[{\"op\":\"replace\",\"path\":\"/spec/http/0/route/0/destination/subset\",\"value\":\"shadow\"}]";

  private final KubeObjects istio = KubeObjects.parse(RepoFiles.manifest("istio-mirroring.yaml"));

  KubernetesMockServer server;
  KubernetesClient client;

  @Test
  void theVirtualServiceRoutesToProductionAndMirrorsAllOfItToTheShadow() {
    JsonNode vs = json(istio.generic("VirtualService", "app-vs"));

    assertThat(vs.at("/apiVersion").asString()).isEqualTo("networking.istio.io/v1alpha3");
    assertThat(vs.at("/metadata/namespace").asString()).isEqualTo("shadow-demo");
    assertThat(vs.at("/spec/hosts/0").asString()).isEqualTo("app-service");
    assertThat(vs.at("/spec/http/0/route/0/destination/subset").asString()).isEqualTo("production");
    assertThat(vs.at("/spec/http/0/mirror/subset").asString()).isEqualTo("shadow");
    assertThat(vs.at("/spec/http/0/mirror/host").asString())
        .isEqualTo(vs.at("/spec/http/0/route/0/destination/host").asString());
    assertThat(vs.at("/spec/http/0/mirrorPercentage/value").isNumber()).isTrue();
    assertThat(vs.at("/spec/http/0/mirrorPercentage/value").asDouble()).isEqualTo(100.0);
  }

  @Test
  void theDestinationRuleDefinesBothSubsetsByVersionLabelOnTheRoutedHost() {
    JsonNode vs = json(istio.generic("VirtualService", "app-vs"));
    JsonNode dr = json(istio.generic("DestinationRule", "app-dr"));

    assertThat(dr.at("/spec/host").asString()).isEqualTo(vs.at("/spec/http/0/route/0/destination/host").asString());
    assertThat(dr.at("/spec/subsets/0/name").asString()).isEqualTo("production");
    assertThat(dr.at("/spec/subsets/0/labels/version").asString()).isEqualTo("production");
    assertThat(dr.at("/spec/subsets/1/name").asString()).isEqualTo("shadow");
    assertThat(dr.at("/spec/subsets/1/labels/version").asString()).isEqualTo("shadow");
  }

  /**
   * Istio finds a subset's pods among the endpoints of the subset's host Service. app-service
   * selects production only, so a shadow subset on it would be empty and the seed's promotion
   * would route to nothing; the subsets' host must select both versions.
   */
  @Test
  void theSubsetsHostSelectsThePodsOfBothVersions() {
    JsonNode dr = json(istio.generic("DestinationRule", "app-dr"));
    Service host = istio.get(Service.class, dr.at("/spec/host").asString());
    KubeObjects manifests = KubeObjects.manifests();

    for (String version : List.of("production", "shadow")) {
      Map<String, String> podLabels = manifests.get(Deployment.class, "app-" + version)
          .getSpec().getTemplate().getMetadata().getLabels();
      assertThat(podLabels).as(version).containsAllEntriesOf(host.getSpec().getSelector());
    }
  }

  @Test
  void theSeedsPromotionPatchSwitchesLiveTrafficToTheShadowSubset() {
    MockCluster cluster = new MockCluster(server, client);
    KubeObjects.parse(RepoFiles.manifest("namespace.yaml")).items().forEach(cluster::create);
    istio.items().forEach(cluster::create);

    // kubectl patch virtualservice app-vs -n shadow-demo --type='json' -p='[...]'
    client.genericKubernetesResources(MockCluster.VIRTUAL_SERVICE).inNamespace("shadow-demo").withName("app-vs")
        .patch(PatchContext.of(PatchType.JSON), SEED_PROMOTE_PATCH);

    HasMetadata patched = client.genericKubernetesResources(MockCluster.VIRTUAL_SERVICE)
        .inNamespace("shadow-demo").withName("app-vs").get();
    assertThat(json(patched).at("/spec/http/0/route/0/destination/subset").asString()).isEqualTo("shadow");
  }

  private static JsonNode json(HasMetadata resource) {
    return Serialization.jsonMapper().valueToTree(resource);
  }
}
