package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The raw manifests in k8s/manifests: what each file holds, and that the pieces fit together. */
class ManifestsTest {

  static Stream<Arguments> files() {
    return Stream.of(
        arguments("namespace.yaml", List.of("Namespace/shadow-demo")),
        arguments("deployment-production.yaml", List.of("Deployment/app-production")),
        arguments("deployment-shadow.yaml", List.of("Deployment/app-shadow")),
        arguments("service.yaml", List.of("Service/app-shadow-service", "Service/app-service")),
        arguments("nginx-ingress-mirroring.yaml", List.of("Ingress/app-mirroring")),
        arguments("istio-mirroring.yaml",
            List.of("Service/app-versions", "DestinationRule/app-dr", "VirtualService/app-vs")),
        arguments("xds-server.yaml", List.of("Namespace/shadow-mirroring", "ServiceAccount/xds-server",
            "ClusterRole/shadow-mirroring-xds-server", "ClusterRoleBinding/shadow-mirroring-xds-server",
            "Role/xds-server-leader-election", "RoleBinding/xds-server-leader-election",
            "Deployment/xds-server", "Service/xds-server")),
        arguments("webhook.yaml", List.of("Service/xds-server-webhook",
            "ValidatingWebhookConfiguration/shadow-mirroring")),
        arguments("envoy.yaml", List.of("ConfigMap/envoy-config", "Deployment/envoy", "Service/envoy")));
  }

  @ParameterizedTest(name = "{0} holds {1}")
  @MethodSource("files")
  void eachFileHoldsExactlyItsObjectsWithNoFieldUnknownToTheTypedModel(String file, List<String> objects) {
    KubeObjects parsed = KubeObjects.parse(RepoFiles.manifest(file));

    assertThat(parsed.ids()).containsExactlyElementsOf(objects);
    assertThat(parsed.unknownFields()).isEmpty();
  }

  @Test
  void theTableAboveCoversEveryManifestFile() {
    List<String> covered = files().map(a -> (String) a.get()[0]).sorted().toList();

    assertThat(RepoFiles.manifestFiles()).extracting(Path::getFileName).extracting(Path::toString)
        .containsExactlyElementsOf(covered);
  }

  @Test
  void everyNamespacedObjectNamesItsNamespaceSoKubectlApplyNeedsNoFlag() {
    KubeObjects all = KubeObjects.manifests();

    assertThat(all.items())
        .filteredOn(o -> !List.of("Namespace", "ClusterRole", "ClusterRoleBinding", "ValidatingWebhookConfiguration")
            .contains(o.getKind()))
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).as(KubeObjects.id(o))
            .isIn("shadow-demo", "shadow-mirroring"));
    assertThat(all.names(Namespace.class)).containsExactly("shadow-demo", "shadow-mirroring");
  }

  @Test
  void productionAndShadowDifferOnlyInNameVersionLabelAndAppVersion() {
    KubeObjects all = KubeObjects.manifests();
    Deployment production = all.get(Deployment.class, "app-production");
    Deployment shadow = all.get(Deployment.class, "app-shadow");

    assertThat(production.getSpec().getTemplate().getMetadata().getLabels())
        .isEqualTo(Map.of("app", "demo-app", "version", "production"));
    assertThat(shadow.getSpec().getTemplate().getMetadata().getLabels())
        .isEqualTo(Map.of("app", "demo-app", "version", "shadow"));
    assertThat(env(appContainer(production))).containsEntry("APP_VERSION", "1.0.0");
    assertThat(env(appContainer(shadow))).containsEntry("APP_VERSION", "2.0.0");
    assertThat(appContainer(shadow).getImage()).isEqualTo(appContainer(production).getImage());
    assertThat(env(appContainer(shadow)).keySet())
        .containsExactlyInAnyOrder("APP_VERSION", "ERROR_RATE", "EXTRA_LATENCY_MS");
  }

  @Test
  void appServiceSelectsProductionAndMirrorsAllOfItsTrafficToTheShadowService() {
    Service appService = KubeObjects.manifests().get(Service.class, "app-service");

    assertThat(appService.getSpec().getSelector()).isEqualTo(Map.of("app", "demo-app", "version", "production"));
    assertThat(appService.getMetadata().getAnnotations()).isEqualTo(Map.of(
        "shadow-mirroring.io/expose", "true",
        "shadow-mirroring.io/mirror-to", "app-shadow-service",
        "shadow-mirroring.io/mirror-percentage", "100"));
    assertThat(appService.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(80);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
  }

  @Test
  void theShadowServiceSelectsOnlyTheShadowAndCarriesNoMirrorAnnotations() {
    Service shadowService = KubeObjects.manifests().get(Service.class, "app-shadow-service");

    assertThat(shadowService.getSpec().getSelector()).isEqualTo(Map.of("app", "demo-app", "version", "shadow"));
    assertThat(shadowService.getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @Test
  void everyServiceTargetPortNamesAPortOfThePodsItSelects() {
    KubeObjects all = KubeObjects.manifests();

    for (Service service : all.all(Service.class)) {
      List<Deployment> backends = all.all(Deployment.class).stream()
          .filter(d -> d.getMetadata().getNamespace().equals(service.getMetadata().getNamespace()))
          .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet()
              .containsAll(service.getSpec().getSelector().entrySet()))
          .toList();
      assertThat(backends).as("pods behind %s", KubeObjects.id(service)).isNotEmpty();
      for (ServicePort port : service.getSpec().getPorts()) {
        for (Deployment backend : backends) {
          assertThat(backend.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
              .as("%s port %s in %s", KubeObjects.id(service), port.getName(), KubeObjects.id(backend))
              .extracting(ContainerPort::getName)
              .contains(port.getTargetPort().getStrVal());
        }
      }
    }
  }

  @Test
  void envoysListenerPortIsTheOneTheXdsServerGivesIt() {
    KubeObjects all = KubeObjects.manifests();
    Container envoy = appContainer(all.get(Deployment.class, "envoy"));
    Container xds = appContainer(all.get(Deployment.class, "xds-server"));

    assertThat(envoy.getPorts()).singleElement()
        .satisfies(p -> assertThat(xds.getArgs()).contains("--listener-port=" + p.getContainerPort()));
    assertThat(all.get(Service.class, "envoy").getSpec().getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(80));
  }

  @Test
  void theXdsServerServiceExposesTheXdsAdminAndMetricsPortsItsArgumentsConfigure() {
    KubeObjects all = KubeObjects.manifests();
    Container xds = appContainer(all.get(Deployment.class, "xds-server"));
    Map<String, Integer> servicePorts = all.get(Service.class, "xds-server").getSpec().getPorts().stream()
        .collect(Collectors.toMap(ServicePort::getName, ServicePort::getPort));

    assertThat(servicePorts).isEqualTo(Map.of("xds", 18000, "admin", 18001, "metrics", 18080));
    assertThat(xds.getArgs()).contains("--source=kubernetes", "--xds-port=18000", "--admin-port=18001",
        "--metrics-port=18080");
    assertThat(xds.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
        .containsExactlyInAnyOrder(
            tuple("xds", 18000),
            tuple("admin", 18001),
            tuple("metrics", 18080),
            tuple("webhook", 18443));
  }

  @Test
  void theEnvoyConfigMapHoldsExactlyTheFrontProxyBootstrap() {
    var config = KubeObjects.manifests().get(ConfigMap.class, "envoy-config");

    assertThat(config.getData().get("envoy.yaml"))
        .isEqualTo(RepoFiles.read(RepoFiles.envoyConfig("front-proxy.yaml")));
  }

  private static Container appContainer(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static Map<String, String> env(Container container) {
    return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }
}
