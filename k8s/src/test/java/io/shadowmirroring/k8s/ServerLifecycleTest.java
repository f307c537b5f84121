package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The xds-server's shutdown and gRPC limits agree with what Kubernetes and Envoy do: the pod's
 * terminationGracePeriodSeconds leaves the server its whole --shutdown-grace plus 5 s to exit, and every
 * shipped bootstrap pings xds_cluster no more often than the server's --keepalive-min-interval allows.
 */
class ServerLifecycleTest {
  /** Kept between the server's grace and Kubernetes' SIGKILL, for the JVM to exit. */
  private static final long MARGIN_SECONDS = 5;
  /** The server's own defaults (Main), for a Deployment that passes no flag. */
  private static final Duration DEFAULT_KEEPALIVE_MIN = Duration.ofSeconds(10);

  record Subject(String name, Deployment deployment) {
    @Override
    public String toString() {
      return name;
    }

    Optional<String> flag(String name) {
      return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().stream()
          .filter(a -> a.startsWith(name + "=")).map(a -> a.substring(name.length() + 1)).findFirst();
    }
  }

  static Stream<Subject> xdsServers() {
    return Stream.of(
        new Subject("k8s/manifests/xds-server.yaml", KubeObjects.manifests().get(Deployment.class, "xds-server")),
        new Subject("helm chart", HelmChart.render(SeedStep.ENABLE_MIRRORING).get(Deployment.class, "xds-server")),
        new Subject("helm chart, xdsServer.shutdown.graceSeconds=50", HelmChart.render(Map.of(
            "xdsServer.shutdown.graceSeconds", "50")).get(Deployment.class, "xds-server")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("xdsServers")
  void terminationGracePeriodIsTheShutdownGracePlusAMargin(Subject subject) {
    Duration grace = seconds(subject.flag("--shutdown-grace").orElseThrow());
    Duration delay = seconds(subject.flag("--shutdown-delay").orElseThrow());

    assertThat(subject.deployment().getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
        .isEqualTo(grace.toSeconds() + MARGIN_SECONDS);
    assertThat(delay).as("GOAWAY comes within the grace").isLessThan(grace);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.shadowmirroring.k8s.EnvoyBootstrapTest#bootstraps")
  void everyBootstrapPingsTheServerAtMostAsOftenAsItAllows(EnvoyBootstrapTest.Source source) throws Exception {
    Bootstrap bootstrap = EnvoyBootstrap.parse(source.yaml());
    Cluster xds = bootstrap.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals("xds_cluster")).findFirst().orElseThrow();
    var keepalive = EnvoyBootstrap.protocolOptions(xds).getExplicitHttpConfig().getHttp2ProtocolOptions()
        .getConnectionKeepalive();
    Duration strictest = strictestKeepaliveMinimum();

    if (keepalive.hasInterval()) {
      // Envoy adds its jitter to the interval, never takes it off (KeepaliveSettings.interval_jitter).
      assertThat(Duration.ofSeconds(keepalive.getInterval().getSeconds()))
          .as("connection_keepalive.interval against the server's --keepalive-min-interval, with room to spare")
          .isGreaterThanOrEqualTo(strictest.multipliedBy(2));
    }
  }

  @org.junit.jupiter.api.Test
  void theResponseBudgetIsTheServersDefaultUnlessTheChartSetsOne() {
    Subject chart = new Subject("helm chart", HelmChart.render(SeedStep.ENABLE_MIRRORING)
        .get(Deployment.class, "xds-server"));
    Subject set = new Subject("helm chart, xdsServer.limits.responseBudget=64MiB", HelmChart.render(Map.of(
        "xdsServer.limits.responseBudget", "64MiB")).get(Deployment.class, "xds-server"));

    assertThat(chart.flag("--response-budget")).as("the default follows the container's heap").isEmpty();
    assertThat(set.flag("--response-budget")).contains("64MiB");
  }

  private static Duration strictest;

  /** The largest --keepalive-min-interval of the shipped Deployments (rendered once: Helm takes seconds). */
  private static synchronized Duration strictestKeepaliveMinimum() {
    if (strictest == null) {
      strictest = xdsServers().map(s -> s.flag("--keepalive-min-interval").map(ServerLifecycleTest::seconds)
          .orElse(DEFAULT_KEEPALIVE_MIN)).max(Duration::compareTo).orElseThrow();
    }
    return strictest;
  }

  private static Duration seconds(String value) {
    if (value.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
    }
    assertThat(value).endsWith("s").doesNotEndWith("ms");
    return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
  }
}
