package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** What the chart renders for the seed's steps and for the values around them. */
class HelmChartTest {

  private static final String PREFIX = "shadow-mirroring.io/";

  @Test
  void lintPassesInStrictMode() {
    LintResult lint = HelmChart.lintStrict();

    assertThat(lint.isFailed()).as("lint messages: %s", lint.getMessages()).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  static Stream<Arguments> seedSteps() {
    return Stream.of(
        arguments(SeedStep.INSTALL_PRODUCTION_ONLY,
            List.of("app-production", "envoy", "xds-server"), Map.of(PREFIX + "expose", "true"), "production"),
        arguments(SeedStep.ENABLE_SHADOW,
            List.of("app-production", "app-shadow", "envoy", "xds-server"), Map.of(PREFIX + "expose", "true"),
            "production"),
        arguments(SeedStep.ENABLE_MIRRORING,
            List.of("app-production", "app-shadow", "envoy", "xds-server"),
            Map.of(PREFIX + "expose", "true",
                PREFIX + "mirror-to", "app-shadow-service",
                PREFIX + "mirror-percentage", "100",
                PREFIX + "mirror-methods", "GET,HEAD,OPTIONS",
                PREFIX + "keep-host", "false"),
            "production"),
        arguments(SeedStep.PROMOTE_SHADOW,
            List.of("app-shadow", "envoy", "xds-server"),
            Map.of(PREFIX + "expose", "true",
                PREFIX + "mirror-to", "app-shadow-service",
                PREFIX + "promote", "app-shadow-service"),
            "shadow"));
  }

  @ParameterizedTest(name = "{0}: deployments {1}, app-service annotations {2}")
  @MethodSource("seedSteps")
  void eachSeedStepRendersItsDeploymentsAndAppServiceAnnotations(
      SeedStep step, List<String> deployments, Map<String, String> annotations, String liveVersion) {
    KubeObjects rendered = HelmChart.render(step);
    Service appService = rendered.get(Service.class, "app-service");

    assertThat(rendered.names(Deployment.class)).containsExactlyElementsOf(deployments);
    assertThat(mirrorAnnotations(appService)).isEqualTo(annotations);
    assertThat(appService.getSpec().getSelector()).containsEntry("version", liveVersion);
    assertThat(rendered.get(Service.class, "app-shadow-service").getSpec().getSelector())
        .containsExactlyInAnyOrderEntriesOf(Map.of("app", "demo-app", "version", "shadow"));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  void theAppDeploymentsKeepTheSeedsLabelsAndVersions(SeedStep step) {
    KubeObjects rendered = HelmChart.render(step);

    for (Deployment app : rendered.all(Deployment.class)) {
      String name = app.getMetadata().getName();
      if (!name.startsWith("app-")) {
        continue;
      }
      String track = name.substring("app-".length());
      assertThat(app.getSpec().getTemplate().getMetadata().getLabels())
          .containsEntry("app", "demo-app").containsEntry("version", track);
      assertThat(env(app.getSpec().getTemplate().getSpec().getContainers().get(0)))
          .containsEntry("APP_VERSION", track.equals("production") ? "1.0.0" : "2.0.0");
    }
  }

  static Stream<Arguments> mirroringValues() {
    return Stream.of(
        arguments(Map.of("mirroring.percentage", "12.5"), PREFIX + "mirror-percentage", "12.5"),
        arguments(Map.of("mirroring.percentage", "0.0001"), PREFIX + "mirror-percentage", "0.0001"),
        arguments(Map.of("mirroring.percentage", "0"), PREFIX + "mirror-percentage", "0"),
        arguments(Map.of("mirroring.methods", "*"), PREFIX + "mirror-methods", "*"),
        arguments(Map.of("mirroring.methods", "GET,POST"), PREFIX + "mirror-methods", "GET,POST"),
        arguments(Map.of("mirroring.keepHost", "true"), PREFIX + "keep-host", "true"));
  }

  @ParameterizedTest(name = "{0} gives {1}={2}")
  @MethodSource("mirroringValues")
  void mirroringValuesBecomeAnnotationsAsTheXdsServerReadsThem(
      Map<String, String> extra, String annotation, String expected) {
    Map<String, String> values = new TreeMap<>(SeedStep.ENABLE_MIRRORING.helmSets());
    values.putAll(extra);

    Service appService = HelmChart.render(values).get(Service.class, "app-service");

    assertThat(appService.getMetadata().getAnnotations()).containsEntry(annotation, expected);
  }

  static Stream<Arguments> refusedValues() {
    return Stream.of(
        arguments(Map.of("production.enabled", "false"),
            "production.enabled and shadow.enabled are both false: nothing would serve app-service"),
        arguments(Map.of("mirroring.enabled", "true"),
            "mirroring.enabled=true needs shadow.enabled=true: there is no shadow to mirror to"),
        arguments(Map.of("production.enabled", "false", "shadow.enabled", "true", "mirroring.enabled", "true"),
            "mirroring.enabled=true needs production.enabled=true"),
        arguments(Map.of("mirroring.percentage", "101"),
            "mirroring.percentage must be a number from 0 to 100 with at most 4 decimals, like 100 or 12.5; got \"101\""),
        arguments(Map.of("mirroring.percentage", "12.34567"),
            "mirroring.percentage must be a number from 0 to 100 with at most 4 decimals, like 100 or 12.5; got \"12.34567\""),
        arguments(Map.of("mirroring.percentage", "half"),
            "mirroring.percentage must be a number from 0 to 100"),
        arguments(Map.of("mirroring.methods", "GET;POST"),
            "mirroring.methods must be \"*\" or comma-separated HTTP methods like GET,HEAD; got \"GET;POST\""),
        arguments(Map.of("mirroring.methods", "GET,connect"),
            "mirroring.methods must not contain CONNECT: Envoy cannot mirror it"),
        arguments(Map.of("shadow.errorRate", "5%"),
            "shadow.errorRate must be a number from 0 to 1, like 0.05; got \"5%\""),
        arguments(Map.of("xdsServer.admin.address", "0.0.0.0"),
            "xdsServer.admin.address=0.0.0.0 exposes the admin API beyond the pod and needs xdsServer.admin.tokenSecret"),
        arguments(Map.of("xdsServer.enabled", "false"),
            "envoy.enabled=true with xdsServer.enabled=false needs envoy.xdsAddress (host:port of an xds-server)"),
        arguments(Map.of("envoy.xdsAddress", "xds-server"),
            "envoy.xdsAddress must be host:port"),
        arguments(Map.of("shadow.enabled", "yes"),
            "shadow.enabled: Invalid type. Expected: boolean, given: string"),
        arguments(Map.of("mirorring.enabled", "true"),
            "Additional property mirorring is not allowed"));
  }

  @ParameterizedTest(name = "{0} is refused")
  @MethodSource("refusedValues")
  void valuesThatCannotWorkAreRefusedWithAMessageNamingThem(Map<String, String> values, String message) {
    Map<String, String> withShadow = new TreeMap<>(values);
    if (values.containsKey("mirroring.percentage") || values.containsKey("mirroring.methods")) {
      withShadow.putAll(Map.of("shadow.enabled", "true", "mirroring.enabled", "true"));
    }

    assertThat(HelmChart.renderError(withShadow)).contains(message);
  }

  @Test
  void envoyIsPointedAtThisReleasesXdsServer() {
    ConfigMap config = HelmChart.render(Map.of()).get(ConfigMap.class, "envoy-config");

    assertThat(config.getData().get("envoy.yaml"))
        .contains("address: xds-server.shadow-demo.svc.cluster.local")
        .contains("port_value: 18000");
  }

  @Test
  void withoutItsOwnXdsServerEnvoyUsesTheGivenAddressAndNoServerObjectsAreRendered() {
    KubeObjects rendered = HelmChart.render(Map.of(
        "xdsServer.enabled", "false",
        "envoy.xdsAddress", "xds-server.shadow-mirroring.svc.cluster.local:18000"));

    assertThat(rendered.ids()).noneMatch(id -> id.contains("xds-server"));
    assertThat(rendered.get(ConfigMap.class, "envoy-config").getData().get("envoy.yaml"))
        .contains("address: xds-server.shadow-mirroring.svc.cluster.local");
  }

  @Test
  void aChangedBootstrapChangesThePodTemplateSoEnvoyRestartsWithIt() {
    String before = bootstrapChecksum(HelmChart.render(Map.of()));
    String after = bootstrapChecksum(HelmChart.render(Map.of("xdsServer.ports.xds", "19000")));

    assertThat(before).isNotBlank().isNotEqualTo(after);
  }

  @Test
  void theXdsServerWatchesOnlyTheReleaseNamespaceUnlessToldOtherwise() {
    assertThat(xdsArgs(HelmChart.render(Map.of()))).contains("--namespace=shadow-demo");
    assertThat(xdsArgs(HelmChart.render(Map.of("xdsServer.watchAllNamespaces", "true"))))
        .noneMatch(a -> a.startsWith("--namespace"));
  }

  @Test
  void theXdsServerGivesEnvoyTheListenerPortTheEnvoyPodExposes() {
    KubeObjects rendered = HelmChart.render(Map.of("envoy.listenerPort", "10080"));
    Container envoy = rendered.get(Deployment.class, "envoy").getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(xdsArgs(rendered)).contains("--listener-port=10080");
    assertThat(envoy.getPorts()).singleElement().satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(10080));
  }

  @Test
  void anExposedAdminApiGetsItsTokenFileFromTheNamedSecret() {
    KubeObjects rendered = HelmChart.render(Map.of(
        "xdsServer.admin.address", "0.0.0.0", "xdsServer.admin.tokenSecret", "xds-admin-token"));
    var pod = rendered.get(Deployment.class, "xds-server").getSpec().getTemplate().getSpec();

    assertThat(pod.getContainers().get(0).getArgs())
        .contains("--admin-address=0.0.0.0", "--admin-token-file=/var/run/secrets/xds-admin/token");
    assertThat(pod.getVolumes())
        .extracting(v -> v.getSecret() == null ? null : v.getSecret().getSecretName())
        .contains("xds-admin-token");
  }

  @Test
  void theInstallNotesSayWhatIsMirroredAndHowToCompareTheVersions() {
    String notes = HelmChart.notes(Map.of(
        "shadow.enabled", "true", "mirroring.enabled", "true", "mirroring.percentage", "12.5"));

    assertThat(notes)
        .contains("12.5% of GET,HEAD,OPTIONS requests to app-service are copied to app-shadow-service")
        .contains("kubectl port-forward -n shadow-demo svc/envoy 8080:80")
        .contains("curl -H 'Host: app-service.shadow-demo' localhost:8080/")
        .contains("kubectl logs -n shadow-demo -l version=shadow | grep -c ERROR")
        .contains("grep -E '(vhost\\.shadow-demo_app-service_80\\.route\\.shadow-demo_app-service_80_mirrored"
            + "|cluster\\.mirror_shadow-demo_app-service_80_shadow-demo_app-shadow-service_80)\\.upstream_rq'");
  }

  @Test
  void theInstallNotesSayWhenTheShadowIsPromoted() {
    assertThat(HelmChart.notes(SeedStep.PROMOTE_SHADOW.helmSets()))
        .contains("PROMOTED: app-service's live traffic goes to the shadow.")
        .doesNotContain("app-production");
  }

  private static Map<String, String> mirrorAnnotations(Service service) {
    Map<String, String> annotations = service.getMetadata().getAnnotations();
    return annotations == null ? Map.of() : annotations.entrySet().stream()
        .filter(e -> e.getKey().startsWith(PREFIX))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
  }

  private static Map<String, String> env(Container container) {
    return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
  }

  private static String bootstrapChecksum(KubeObjects rendered) {
    return rendered.get(Deployment.class, "envoy").getSpec().getTemplate().getMetadata().getAnnotations()
        .get("checksum/bootstrap");
  }

  private static List<String> xdsArgs(KubeObjects rendered) {
    return rendered.get(Deployment.class, "xds-server").getSpec().getTemplate().getSpec().getContainers().get(0)
        .getArgs();
  }
}
