package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code helm upgrade} through the seed's steps works in place, and {@code helm uninstall} removes
 * everything: Helm deletes what the release manifest lists, so nothing may escape that list.
 */
class HelmUninstallSafetyTest {

  private static final Set<String> CLUSTER_SCOPED = Set.of("ClusterRole", "ClusterRoleBinding", "ValidatingWebhookConfiguration");

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  void noObjectIsAHookOrKeptByResourcePolicy(SeedStep step) {
    assertThat(HelmChart.render(step).items()).allSatisfy(o -> {
      Map<String, String> annotations = o.getMetadata().getAnnotations();
      assertThat(annotations == null ? Map.of() : annotations).as(KubeObjects.id(o))
          .doesNotContainKeys("helm.sh/resource-policy", "helm.sh/hook", "helm.sh/hook-delete-policy");
    });
  }

  @Test
  void noTemplateCanRenderAHookAKeepPolicyOrALookupOfObjectsOutsideTheRelease() throws IOException {
    try (Stream<Path> templates = Files.list(RepoFiles.chart().resolve("templates"))) {
      assertThat(templates.toList()).isNotEmpty().allSatisfy(t -> assertThat(Files.readString(t)).as(t.toString())
          .doesNotContain("helm.sh/hook")
          .doesNotContain("resource-policy")
          .doesNotContain("lookup "));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  void namespacedObjectsLiveInTheReleaseNamespaceAndNoNamespaceIsCreated(SeedStep step) {
    List<HasMetadata> items = HelmChart.render(step).items();

    assertThat(items).extracting(HasMetadata::getKind).doesNotContain("Namespace");
    assertThat(items).filteredOn(o -> !CLUSTER_SCOPED.contains(o.getKind()))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(KubeObjects.id(o)).isEqualTo(HelmChart.NAMESPACE));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  void clusterScopedObjectsCarryTheReleaseAndNamespaceInTheirNameSoReleasesCannotCollide(SeedStep step) {
    assertThat(HelmChart.render(step).items()).filteredOn(o -> CLUSTER_SCOPED.contains(o.getKind()))
        .hasSize(3)
        .allSatisfy(o -> assertThat(o.getMetadata().getName()).isEqualTo("shadow-demo-shadow-demo-xds-server"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  void everyObjectIsLabelledWithTheRelease(SeedStep step) {
    assertThat(HelmChart.render(step).items()).allSatisfy(o -> assertThat(o.getMetadata().getLabels())
        .as(KubeObjects.id(o))
        .containsEntry("app.kubernetes.io/instance", HelmChart.RELEASE)
        .containsEntry("app.kubernetes.io/managed-by", "Helm"));
  }

  /** A Deployment's selector is immutable: an upgrade that changed one would be refused. */
  @Test
  void deploymentSelectorsStayTheSameThroughTheSeedsUpgrades() {
    Map<SeedStep, KubeObjects> rendered = new EnumMap<>(SeedStep.class);
    for (SeedStep step : SeedStep.values()) {
      rendered.put(step, HelmChart.render(step));
    }

    for (String name : List.of("app-production", "app-shadow", "envoy", "xds-server")) {
      List<LabelSelector> selectors = rendered.values().stream()
          .flatMap(r -> r.all(Deployment.class).stream())
          .filter(d -> d.getMetadata().getName().equals(name))
          .map(d -> d.getSpec().getSelector())
          .distinct()
          .toList();
      assertThat(selectors).as(name).hasSize(1);
    }
  }
}
