package io.shadowmirroring.xds.source;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.clusterNames;
import static io.shadowmirroring.xds.testing.AdsTestClient.mirrorClusters;
import static io.shadowmirroring.xds.testing.AdsTestClient.unpack;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The Kubernetes source against fabric8's mock API server in CRUD mode, read through a real ADS stream. */
@EnableKubernetesMockClient(crud = true)
class KubernetesSourceTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String NS = "shadow-demo";
  private static final String MIRROR_TO = "shadow-mirroring.io/mirror-to";

  KubernetesMockServer mockServer;
  KubernetesClient client;

  private ShadowMirroringServer server;
  private final SnapshotConstraints constraints = new SnapshotConstraints();
  private ManagedChannel channel;
  private AdsTestClient envoy;

  @BeforeEach
  void start() throws Exception {
    server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(), new KubernetesSource(client, List.of(), ""));
    constraints.watch(server);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    envoy = new AdsTestClient(channel, AdsTestClient.envoyNode("envoy-k8s")).start();
  }

  @AfterEach
  void stop() {
    envoy.close();
    channel.shutdownNow();
    server.close();
    constraints.assertNoViolations();
  }

  static Service service(String name, Map<String, String> annotations) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withNewTargetPort("http").endPort().endSpec()
        .build();
  }

  static EndpointSlice slice(String service, int port, String... ips) {
    EndpointSliceBuilder slice = new EndpointSliceBuilder()
        .withNewMetadata().withName(service + "-abcde").withNamespace(NS)
        .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("http").withPort(port).endPort();
    for (String ip : ips) {
      slice.addNewEndpoint().withAddresses(ip).withNewConditions().withReady(true).endConditions().endEndpoint();
    }
    return slice.build();
  }

  private void create(io.fabric8.kubernetes.api.model.HasMetadata... objects) {
    for (io.fabric8.kubernetes.api.model.HasMetadata object : objects) {
      client.resource(object).create();
    }
  }

  private void annotate(String service, String key, String value) {
    client.services().inNamespace(NS).withName(service).edit(s -> {
      s.getMetadata().getAnnotations().put(key, value);
      return s;
    });
  }

  private DiscoveryResponse await(String what, Predicate<DiscoveryResponse> p) {
    return envoy.await(what, p, WAIT);
  }

  private static Predicate<DiscoveryResponse> cdsWith(List<String> clusters) {
    return r -> r.getTypeUrl().equals(CDS) && clusterNames(r).equals(clusters);
  }

  @Test
  @DisplayName("creating, annotating and deleting Services and EndpointSlices shows up as new versions on the ADS stream")
  void followsTheApiServer() {
    String primary = "shadow-demo/app-service:80";
    String shadow = "shadow-demo/app-shadow-service:80";
    create(service("app-service", Map.of()), slice("app-service", 8080, "10.1.0.1"));
    DiscoveryResponse first = await("the primary's cluster", cdsWith(List.of(primary)));

    create(service("app-shadow-service", Map.of()), slice("app-shadow-service", 8080, "10.2.0.1"));
    DiscoveryResponse both = await("both clusters", cdsWith(List.of(primary, shadow)));
    assertThat(both.getVersionInfo()).isNotEqualTo(first.getVersionInfo());

    annotate("app-service", MIRROR_TO, "app-shadow-service");
    await("routes mirroring to the shadow", r -> r.getTypeUrl().equals(RDS) && mirrorClusters(r).contains(MIRROR));

    client.resource(slice("app-shadow-service", 8080, "10.2.0.1", "10.2.0.2")).update();
    await("two shadow endpoints", r -> r.getTypeUrl().equals(EDS)
        && unpack(r, ClusterLoadAssignment.class).stream().anyMatch(c -> c.getClusterName().equals(shadow)
            && c.getEndpointsList().stream().mapToInt(e -> e.getLbEndpointsCount()).sum() == 2));

    client.services().inNamespace(NS).withName("app-service").edit(s -> {
      s.getMetadata().getAnnotations().remove(MIRROR_TO);
      return s;
    });
    await("routes without a mirror", r -> r.getTypeUrl().equals(RDS) && mirrorClusters(r).isEmpty());

    client.discovery().v1().endpointSlices().inNamespace(NS).withName("app-service-abcde").delete();
    await("the primary without endpoints", r -> r.getTypeUrl().equals(EDS)
        && unpack(r, ClusterLoadAssignment.class).stream().anyMatch(c -> c.getClusterName().equals(primary)
            && c.getEndpointsCount() == 0));

    client.services().inNamespace(NS).withName("app-shadow-service").delete();
    await("the shadow cluster gone", cdsWith(List.of(primary)));
  }

  @Test
  @DisplayName("a bad annotation emits a Warning Event, serves the Service without mirroring, and leaves other Services byte-identical")
  void badAnnotation() {
    create(service("app-service", Map.of(MIRROR_TO, "app-shadow-service")), slice("app-service", 8080, "10.1.0.1"),
        service("app-shadow-service", Map.of()), slice("app-shadow-service", 8080, "10.2.0.1"),
        service("other", Map.of()), slice("other", 9090, "10.3.0.1"));
    // The informers may deliver the three Services in separate builds: wait for the one with all of them.
    await("clusters of all three Services", r -> r.getTypeUrl().equals(CDS) && clusterNames(r).contains(OTHER));
    await("endpoints of all three Services", r -> r.getTypeUrl().equals(EDS)
        && unpack(r, ClusterLoadAssignment.class).stream().anyMatch(c -> c.getClusterName().equals(OTHER)
            && c.getEndpointsCount() == 1));
    DiscoveryResponse routesBefore = await("routes mirroring to the shadow, with the other Service",
        r -> r.getTypeUrl().equals(RDS) && mirrorClusters(r).contains(MIRROR)
            && AdsTestClient.unpack(r, RouteConfiguration.class).get(0).getVirtualHostsList().stream()
                .anyMatch(v -> v.getName().equals(OTHER_HOST)));
    awaitAcked();
    Resources before = otherServiceResources();

    annotate("app-service", "shadow-mirroring.io/mirror-percentage", "150");
    annotate("other", MIRROR_TO, "does-not-exist");

    Event percentEvent = awaitEvent("app-service", "mirror-percentage");
    assertThat(percentEvent.getType()).isEqualTo("Warning");
    assertThat(percentEvent.getReason()).isEqualTo("InvalidMirrorConfig");
    assertThat(percentEvent.getInvolvedObject().getKind()).isEqualTo("Service");
    assertThat(percentEvent.getMessage()).isEqualTo("invalid mirror config on service shadow-demo/app-service: "
        + "shadow-mirroring.io/mirror-percentage=\"150\": percentage must not exceed 100"
        + " (serving it without mirroring)");
    assertThat(awaitEvent("other", "does-not-exist").getMessage()).isEqualTo("invalid mirror config on service shadow-demo/other: "
        + "shadow-mirroring.io/mirror-to=\"does-not-exist\": target Service shadow-demo/does-not-exist does not exist"
        + " (serving it without mirroring)");

    // The output is a function of what is stored: the invalid mirror is not served (no memory of the
    // valid one), and nothing else has changed.
    DiscoveryResponse routesAfter = await("routes without the invalid mirror", r -> r.getTypeUrl().equals(RDS)
        && mirrorClusters(r).isEmpty());
    assertThat(routesAfter.getVersionInfo()).isNotEqualTo(routesBefore.getVersionInfo());
    awaitAcked();
    assertThat(otherServiceResources()).isEqualTo(before);
  }

  private record Resources(Cluster cluster, ClusterLoadAssignment endpoints, VirtualHost host) {}

  private static final String OTHER = "shadow-demo/other:80";
  private static final String OTHER_HOST = "shadow-demo_other_80";
  /** The cluster that receives app-service's copies for app-shadow-service. */
  private static final String MIRROR = "mirror/shadow-demo/app-service:80/shadow-demo/app-shadow-service:80";

  private Resources otherServiceResources() {
    String name = OTHER;
    Cluster cluster = unpack(envoy.latest(CDS, WAIT), Cluster.class).stream()
        .filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
    ClusterLoadAssignment endpoints = unpack(envoy.latest(EDS, WAIT), ClusterLoadAssignment.class).stream()
        .filter(c -> c.getClusterName().equals(name)).findFirst().orElseThrow();
    VirtualHost host = unpack(envoy.latest(RDS, WAIT), RouteConfiguration.class).get(0).getVirtualHostsList().stream()
        .filter(v -> v.getName().equals(OTHER_HOST)).findFirst().orElseThrow();
    return new Resources(cluster, endpoints, host);
  }

  private void awaitAcked() {
    for (int i = 0; i < 300 && !envoy.ackedVersion(RDS).equals(java.util.Optional.of(envoy.latest(RDS, WAIT)
        .getVersionInfo())); i++) {
      AdsTestClient.sleep(10);
    }
  }

  // Creating the Services one by one may first report a target that does not exist yet; look for ours.
  private Event awaitEvent(String service, String mentioning) {
    for (int i = 0; i < 500; i++) {
      List<Event> events = client.v1().events().inNamespace(NS).list().getItems().stream()
          .filter(e -> e.getInvolvedObject().getName().equals(service))
          .filter(e -> e.getMessage().contains(mentioning)).toList();
      if (!events.isEmpty()) {
        return events.get(0);
      }
      AdsTestClient.sleep(20);
    }
    throw new AssertionError("no Event for " + service + " mentioning " + mentioning);
  }
}
