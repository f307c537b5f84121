package io.shadowmirroring.k8s;

import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The real xds-server, watching fabric8's mock API server into which the raw manifests or the chart's
 * rendered objects were created, serves the mirror config the seed's step asks for.
 */
@EnableKubernetesMockClient(crud = true)
class XdsServerOnManifestsTest {
  private static final String PRIMARY = "shadow-demo/app-service:80";
  private static final String SHADOW = "shadow-demo/app-shadow-service:80";
  /** The cluster that receives app-service's copies for app-shadow-service. */
  private static final String MIRROR = "mirror/shadow-demo/app-service:80/shadow-demo/app-shadow-service:80";

  KubernetesMockServer server;
  KubernetesClient client;
  private MockCluster cluster;

  @BeforeEach
  void connect() {
    cluster = new MockCluster(server, client);
  }

  /** What Envoy would do with app-service's requests. */
  private record AppServiceRoute(String live, List<String> mirrors, long mirroredMillionths) {}

  @Test
  @DisplayName("raw manifests: app-service's requests are copied to app-shadow-service at 100%")
  void rawManifests() throws Exception {
    KubeObjects.manifests().items().forEach(cluster::create);

    AppServiceRoute route = served(List.of(MIRROR, PRIMARY, SHADOW));

    assertThat(route).isEqualTo(new AppServiceRoute(PRIMARY, List.of(MIRROR), 1_000_000));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  @DisplayName("Helm: each seed step is served as the seed describes it")
  void helmSteps(SeedStep step) throws Exception {
    HelmChart.render(step).items().forEach(cluster::create);

    AppServiceRoute route = served(expectedClusters(step));

    AppServiceRoute expected = switch (step) {
      case INSTALL_PRODUCTION_ONLY, ENABLE_SHADOW -> new AppServiceRoute(PRIMARY, List.of(), 0);
      case ENABLE_MIRRORING -> new AppServiceRoute(PRIMARY, List.of(MIRROR), 1_000_000);
      // Promotion: live traffic goes to the shadow, nothing is copied.
      case PROMOTE_SHADOW -> new AppServiceRoute(SHADOW, List.of(), 0);
    };
    assertThat(route).isEqualTo(expected);
  }

  private static List<String> expectedClusters(SeedStep step) {
    // Under --expose=mirrored the shadow is served only once something mirrors (or promotes) to it.
    return switch (step) {
      case INSTALL_PRODUCTION_ONLY, ENABLE_SHADOW -> List.of(PRIMARY);
      case ENABLE_MIRRORING -> List.of(MIRROR, PRIMARY, SHADOW);
      case PROMOTE_SHADOW -> List.of(PRIMARY, SHADOW);
    };
  }

  // The mock API server runs no EndpointSlice controller, so the test plays its part.
  private void addEndpointSlices() {
    for (HasMetadata object : client.services().inAnyNamespace().list().getItems()) {
      Service service = (Service) object;
      client.resource(new EndpointSliceBuilder()
          .withNewMetadata().withName(service.getMetadata().getName() + "-x1")
          .withNamespace(service.getMetadata().getNamespace())
          .addToLabels("kubernetes.io/service-name", service.getMetadata().getName()).endMetadata()
          .withAddressType("IPv4")
          .addNewPort().withName(service.getSpec().getPorts().get(0).getName()).withPort(8080).endPort()
          .addNewEndpoint().withAddresses("10.0.0.1").withNewConditions().withReady(true).endConditions().endEndpoint()
          .build()).create();
    }
  }

  private AppServiceRoute served(List<String> appClusters) throws Exception {
    addEndpointSlices();
    SnapshotConstraints constraints = new SnapshotConstraints();
    AppServiceRoute served;
    // Scoped as the shipped manifests and chart run it (--expose=mirrored; checked in WebhookDeploymentTest).
    try (ShadowMirroringServer xds = ShadowMirroringServer.start(
        ServerSettings.loopbackForTests().withExposure(io.shadowmirroring.xds.model.Exposure.MIRRORED),
        new KubernetesSource(client, List.of(), ""))) {
      constraints.watch(xds);
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", xds.xdsPort()).usePlaintext().build();
      try (AdsTestClient envoy = new AdsTestClient(channel, AdsTestClient.envoyNode("front-proxy")).start()) {
        DiscoveryResponse rds = envoy.await("routes for app-service",
            r -> r.getTypeUrl().equals(RDS) && appServiceHost(r) != null, Duration.ofSeconds(15));
        assertThat(AdsTestClient.clusterNames(envoy.latest(AdsTestClient.CDS, Duration.ofSeconds(5))))
            .as("nothing else of the cluster: not the xds-server's or envoy's own Services")
            .containsExactlyElementsOf(appClusters);
        RouteAction first = appServiceHost(rds).getRoutes(0).getRoute();
        served = new AppServiceRoute(first.getCluster(),
            first.getRequestMirrorPoliciesList().stream().map(RouteAction.RequestMirrorPolicy::getCluster).toList(),
            first.getRequestMirrorPoliciesList().stream()
                .mapToLong(m -> m.getRuntimeFraction().getDefaultValue().getNumerator()).sum());
      } finally {
        channel.shutdownNow();
      }
    }
    constraints.assertNoViolations();
    return served;
  }

  private static VirtualHost appServiceHost(DiscoveryResponse rds) {
    return AdsTestClient.unpack(rds, RouteConfiguration.class).stream()
        .flatMap(c -> c.getVirtualHostsList().stream())
        .filter(v -> v.getName().equals("shadow-demo_app-service_80"))
        .findFirst().orElse(null);
  }
}
