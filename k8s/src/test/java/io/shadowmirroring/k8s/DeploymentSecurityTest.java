package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pod hardening and probes of every Deployment, raw and rendered. */
class DeploymentSecurityTest {

  /** A Deployment and where it comes from. */
  record Subject(String source, Deployment deployment) {
    String name() {
      return deployment.getMetadata().getName();
    }

    PodSpec pod() {
      return deployment.getSpec().getTemplate().getSpec();
    }

    Container container() {
      return pod().getContainers().get(0);
    }

    @Override
    public String toString() {
      return source + ": " + name();
    }
  }

  static Stream<Subject> deployments() {
    Stream<Subject> raw = KubeObjects.manifests().all(Deployment.class).stream()
        .map(d -> new Subject("manifests", d));
    Stream<Subject> chart = HelmChart.render(SeedStep.ENABLE_MIRRORING).all(Deployment.class).stream()
        .map(d -> new Subject("chart", d));
    return Stream.concat(raw, chart);
  }

  static Stream<Subject> xdsServers() {
    return deployments().filter(s -> s.name().equals("xds-server"));
  }

  static Stream<Subject> apps() {
    return deployments().filter(s -> s.name().startsWith("app-"));
  }

  static Stream<Subject> envoys() {
    return deployments().filter(s -> s.name().equals("envoy"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  void runsAsANumericNonRootUserWithTheRuntimesSeccompProfile(Subject subject) {
    var pod = subject.pod().getSecurityContext();

    assertThat(pod.getRunAsNonRoot()).isTrue();
    assertThat(pod.getRunAsUser()).isPositive();
    assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  void everyContainerHasAReadOnlyRootNoPrivilegeEscalationAndNoCapabilities(Subject subject) {
    assertThat(subject.pod().getContainers()).allSatisfy(container -> {
      var security = container.getSecurityContext();
      assertThat(security.getReadOnlyRootFilesystem()).isTrue();
      assertThat(security.getAllowPrivilegeEscalation()).isFalse();
      assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  void everyContainerRequestsAndLimitsCpuAndMemory(Subject subject) {
    assertThat(subject.pod().getContainers()).allSatisfy(container -> {
      Map<String, Quantity> requests = container.getResources().getRequests();
      Map<String, Quantity> limits = container.getResources().getLimits();
      assertThat(requests).containsKeys("cpu", "memory");
      assertThat(limits).containsKeys("cpu", "memory");
      for (String resource : new String[] {"cpu", "memory"}) {
        assertThat(Quantity.getAmountInBytes(limits.get(resource)))
            .as("%s limit >= request", resource)
            .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(requests.get(resource)));
      }
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deployments")
  void imagesArePinnedToATagAndTmpIsAWritableEmptyDir(Subject subject) {
    Container container = subject.container();

    assertThat(container.getImage()).matches("[a-z0-9./-]+:[A-Za-z0-9._-]+").doesNotEndWith(":latest");
    assertThat(container.getVolumeMounts()).extracting(VolumeMount::getMountPath).contains("/tmp");
    assertThat(subject.pod().getVolumes())
        .filteredOn(v -> v.getName().equals("tmp"))
        .singleElement()
        .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("xdsServers")
  void theXdsServerRunsTwoReplicasFromKubernetesWithHealthAndReadinessProbesOnTheMetricsPort(Subject subject) {
    Container server = subject.container();

    assertThat(subject.deployment().getSpec().getReplicas()).isEqualTo(2);
    assertThat(server.getArgs()).contains("--source=kubernetes");
    assertHttpProbe(server.getLivenessProbe(), "/healthz", "metrics");
    assertHttpProbe(server.getStartupProbe(), "/healthz", "metrics");
    assertHttpProbe(server.getReadinessProbe(), "/readyz", "metrics");
    assertThat(server.getPorts()).anySatisfy(p -> {
      assertThat(p.getName()).isEqualTo("metrics");
      assertThat(p.getContainerPort()).isEqualTo(18080);
    });
    assertThat(subject.pod().getServiceAccountName()).isEqualTo("xds-server");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("apps")
  void theDemoAppIsProbedOnHealthzAndNeedsNoApiToken(Subject subject) {
    assertHttpProbe(subject.container().getReadinessProbe(), "/healthz", "http");
    assertHttpProbe(subject.container().getLivenessProbe(), "/healthz", "http");
    assertThat(subject.pod().getAutomountServiceAccountToken()).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("envoys")
  void envoyNamesItsNodeAfterThePodAndKeepsItsAdminPortPrivate(Subject subject) {
    Container envoy = subject.container();

    assertThat(envoy.getImage()).matches("envoyproxy/envoy:v1\\.3\\d\\.\\d+");
    assertThat(String.join(" ", envoy.getArgs()))
        .contains("-c /etc/envoy/envoy.yaml")
        .contains("--service-node $(POD_NAME)")
        .contains("--service-cluster front-proxy");
    assertThat(envoy.getEnv()).filteredOn(e -> e.getName().equals("POD_NAME")).singleElement()
        .extracting(EnvVar::getValueFrom).satisfies(from ->
            assertThat(from.getFieldRef().getFieldPath()).isEqualTo("metadata.name"));
    assertThat(envoy.getPorts()).noneMatch(p -> p.getContainerPort() == 9901);
    assertThat(envoy.getLivenessProbe()).as("a restart would drop Envoy's last good config").isNull();
    assertThat(envoy.getReadinessProbe().getTcpSocket().getPort().getStrVal()).isEqualTo("http");
  }

  private static void assertHttpProbe(Probe probe, String path, String port) {
    assertThat(probe).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(port);
  }
}
