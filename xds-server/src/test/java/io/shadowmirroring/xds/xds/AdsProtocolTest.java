package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.LDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.clusterNames;
import static io.shadowmirroring.xds.testing.AdsTestClient.mirrorClusters;
import static io.shadowmirroring.xds.testing.AdsTestClient.referencedClusters;
import static io.shadowmirroring.xds.testing.AdsTestClient.unpack;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Feature tests: YAML files in, xDS out of a real gRPC server on 127.0.0.1, read by an Envoy-like client. */
class AdsProtocolTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String PRIMARY = "shadow-demo/app-service:80";
  private static final String SHADOW = "shadow-demo/app-shadow-service:80";
  /** The cluster that receives app-service's copies for the shadow; it reads the shadow's assignment. */
  private static final String MIRROR_CLUSTER = "mirror/shadow-demo/app-service:80/shadow-demo/app-shadow-service:80";
  private static final Map<String, String> MIRROR = Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service");

  @TempDir Path directory;
  private DirectoryServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** Starts the server on the files written so far, so that its first config is already the real one. */
  private DirectoryServer server() throws Exception {
    if (server == null) {
      server = new DirectoryServer(directory);
    }
    return server;
  }

  private void writeDemo(boolean mirrored) throws Exception {
    DirectoryServer.write(directory.resolve("demo.yaml"), documents(
        service("shadow-demo", "app-service", mirrored ? MIRROR : Map.of(), 80, "http"),
        endpointSlice("shadow-demo", "app-service", "http", 8081, "10.0.0.1"),
        service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"),
        endpointSlice("shadow-demo", "app-shadow-service", "http", 8082, "10.0.0.2")));
  }

  private void writePrimaryOnly() throws Exception {
    DirectoryServer.write(directory.resolve("demo.yaml"), documents(
        service("shadow-demo", "app-service", Map.of(), 80, "http"),
        endpointSlice("shadow-demo", "app-service", "http", 8081, "10.0.0.1")));
  }

  private static boolean routesMirrorTo(DiscoveryResponse response, String cluster) {
    return response.getTypeUrl().equals(RDS) && mirrorClusters(response).contains(cluster);
  }

  @Test
  @DisplayName("an Envoy node gets clusters, endpoints, its listener and routes with the mirror policy")
  void servesAllFourTypes() throws Exception {
    writeDemo(true);
    try (AdsTestClient envoy = server().envoy("envoy-1")) {
      DiscoveryResponse rds =
          envoy.await("routes mirroring to the shadow", r -> routesMirrorTo(r, MIRROR_CLUSTER), WAIT);

      assertThat(clusterNames(envoy.latest(CDS, WAIT))).containsExactly(MIRROR_CLUSTER, PRIMARY, SHADOW);
      assertThat(unpack(envoy.latest(EDS, WAIT), ClusterLoadAssignment.class))
          .extracting(ClusterLoadAssignment::getClusterName).containsExactlyInAnyOrder(PRIMARY, SHADOW);
      assertThat(unpack(envoy.latest(LDS, WAIT), Listener.class))
          .extracting(Listener::getName).containsExactly("shadow-mirroring-http-10000");
      var route = unpack(rds, RouteConfiguration.class).get(0).getVirtualHostsList().stream()
          .filter(vh -> vh.getName().equals("shadow-demo_app-service_80")).findFirst().orElseThrow().getRoutes(0)
          .getRoute();
      assertThat(route.getCluster()).isEqualTo(PRIMARY);
      assertThat(route.getRequestMirrorPolicies(0).getCluster()).isEqualTo(MIRROR_CLUSTER);
    }
  }

  @Test
  @DisplayName("make-before-break: a new mirror target's cluster and endpoints arrive before the route naming it")
  void addsClustersBeforeRoutes() throws Exception {
    writePrimaryOnly();
    try (AdsTestClient envoy = server().envoy("envoy-1")) {
      envoy.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);

      writeDemo(true);
      envoy.await("routes mirroring to the shadow", r -> routesMirrorTo(r, MIRROR_CLUSTER), WAIT);

      List<DiscoveryResponse> log = envoy.received();
      int cluster = indexOf(log,
          r -> r.getTypeUrl().equals(CDS) && clusterNames(r).containsAll(List.of(SHADOW, MIRROR_CLUSTER)));
      int endpoints = indexOf(log, r -> r.getTypeUrl().equals(EDS)
          && unpack(r, ClusterLoadAssignment.class).stream().anyMatch(c -> c.getClusterName().equals(SHADOW)));
      int route = indexOf(log, r -> routesMirrorTo(r, MIRROR_CLUSTER));
      assertThat(cluster).as("CDS with the shadow and mirror clusters").isNotNegative().isLessThan(route);
      assertThat(endpoints).as("EDS for the shadow (and so the mirror) cluster").isNotNegative().isLessThan(route);
    }
  }

  @Test
  @DisplayName("make-before-break: mirroring to a Service that already exists sends its mirror cluster before the "
      + "route naming it")
  void addsTheMirrorClusterBeforeTheRouteWhenTheTargetExists() throws Exception {
    writeDemo(false);
    try (AdsTestClient envoy = server().envoy("envoy-1")) {
      envoy.await("the unmirrored clusters", r -> r.getTypeUrl().equals(CDS)
          && clusterNames(r).equals(List.of(PRIMARY, SHADOW)), WAIT);
      envoy.await("the first routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      int before = envoy.received().size();

      writeDemo(true);
      envoy.await("routes mirroring to the shadow", r -> routesMirrorTo(r, MIRROR_CLUSTER), WAIT);

      List<DiscoveryResponse> log = envoy.received().subList(before, envoy.received().size());
      int cluster = indexOf(log, r -> r.getTypeUrl().equals(CDS) && clusterNames(r).contains(MIRROR_CLUSTER));
      int route = indexOf(log, r -> routesMirrorTo(r, MIRROR_CLUSTER));
      assertThat(cluster).as("CDS with the mirror cluster").isNotNegative().isLessThan(route);
    }
  }

  @Test
  @DisplayName("make-before-break: a removed mirror target leaves the routes before its cluster goes")
  void removesRoutesBeforeClusters() throws Exception {
    writeDemo(true);
    try (AdsTestClient envoy = server().envoy("envoy-1")) {
      envoy.await("routes mirroring to the shadow", r -> routesMirrorTo(r, MIRROR_CLUSTER), WAIT);
      int before = envoy.received().size();

      writePrimaryOnly();
      envoy.await("clusters without the shadow",
          r -> r.getTypeUrl().equals(CDS) && !clusterNames(r).contains(SHADOW), WAIT);

      List<DiscoveryResponse> log = envoy.received().subList(before, envoy.received().size());
      int routeGone =
          indexOf(log, r -> r.getTypeUrl().equals(RDS) && !referencedClusters(r).contains(MIRROR_CLUSTER));
      int clusterGone = indexOf(log, r -> r.getTypeUrl().equals(CDS) && !clusterNames(r).contains(MIRROR_CLUSTER));
      assertThat(routeGone).as("RDS without the shadow").isNotNegative().isLessThan(clusterGone);
    }
  }

  @Test
  @DisplayName("an ACKed version is not sent again")
  void ackedVersionsAreNotResent() throws Exception {
    writeDemo(true);
    try (AdsTestClient envoy = server().envoy("envoy-1")) {
      envoy.await("routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      waitUntilAcked(envoy, RDS);
      int count = envoy.received().size();

      AdsTestClient.sleep(600);

      assertThat(envoy.received()).hasSize(count);
      assertThat(envoy.ackedVersion(CDS)).contains(envoy.latest(CDS, WAIT).getVersionInfo());
    }
  }

  @Test
  @DisplayName("a NACK is recorded with its error detail and counted, the rejected version is not resent, and a new version still comes")
  void nacksAreNotLooped() throws Exception {
    writeDemo(true);
    try (AdsTestClient envoy = new AdsTestClient(server().channel(), AdsTestClient.envoyNode("envoy-nack"))) {
      envoy.rejectWhen(r -> r.getTypeUrl().equals(RDS) ? Optional.of("route: unknown field") : Optional.empty());
      envoy.start();
      DiscoveryResponse rejected = envoy.await("routes", r -> r.getTypeUrl().equals(RDS), WAIT);

      AdsTestClient.sleep(800);
      assertThat(envoy.received(RDS)).as("RDS responses after a NACK").hasSize(1);
      ProxyStream stream = server().server().proxies().streams().stream()
          .filter(s -> s.node().map(Node::getId).orElse("").equals("envoy-nack")).findFirst().orElseThrow();
      ProxyStream.Nack nack = stream.types().get(RDS).lastNack().orElseThrow();
      assertThat(nack.version()).isEqualTo(rejected.getVersionInfo());
      assertThat(nack.errorDetail()).isEqualTo("route: unknown field");
      assertThat(server().server().meters().get("shadow_mirroring_xds_nacks_total")
          .tag("type", "RouteConfiguration").counter().count()).isEqualTo(1.0);

      envoy.rejectWhen(r -> Optional.empty());
      writeDemo(false);
      DiscoveryResponse next = envoy.await("new routes without the mirror",
          r -> r.getTypeUrl().equals(RDS) && !mirrorClusters(r).contains(MIRROR_CLUSTER), WAIT);
      assertThat(next.getVersionInfo()).isNotEqualTo(rejected.getVersionInfo());
    }
  }

  @Test
  @DisplayName("proxyless gRPC nodes get api_listeners named svc.ns.svc.cluster.local:port; Envoy nodes never do")
  void grpcNodesGetApiListeners() throws Exception {
    writeDemo(true);
    Node grpcNode = Node.newBuilder().setId("grpc-1").setUserAgentName("gRPC Java").build();
    try (AdsTestClient grpc = new AdsTestClient(server().channel(), grpcNode).start();
         AdsTestClient envoy = server().envoy("envoy-1")) {
      List<Listener> grpcListeners = unpack(grpc.latest(LDS, WAIT), Listener.class);
      List<Listener> envoyListeners = unpack(envoy.latest(LDS, WAIT), Listener.class);

      assertThat(grpcListeners).extracting(Listener::getName).containsExactly(
          "app-service.shadow-demo.svc.cluster.local:80", "app-shadow-service.shadow-demo.svc.cluster.local:80");
      assertThat(grpcListeners).allMatch(Listener::hasApiListener);
      assertThat(envoyListeners).noneMatch(Listener::hasApiListener);
    }
  }

  @Test
  @DisplayName("a node's metadata can move its listener to another port")
  void listenerPortFromNodeMetadata() throws Exception {
    writeDemo(true);
    Node node = AdsTestClient.envoyNode("sidecar-1").toBuilder()
        .setMetadata(Struct.newBuilder().putFields(NodeClassifier.LISTENER_PORT_METADATA,
            Value.newBuilder().setStringValue("15001").build()))
        .build();
    try (AdsTestClient envoy = new AdsTestClient(server().channel(), node).start()) {
      Listener listener = unpack(envoy.latest(LDS, WAIT), Listener.class).get(0);

      assertThat(listener.getName()).isEqualTo("shadow-mirroring-http-15001");
      assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(15001);
    }
  }

  @Test
  @DisplayName("a node sent only in the stream's first request (set_node_on_first_message_only) still chooses the profile of every later request")
  void nodeOnFirstMessageOnly() throws Exception {
    writeDemo(true);
    Node node = AdsTestClient.envoyNode("sidecar-once").toBuilder()
        .setMetadata(Struct.newBuilder().putFields(NodeClassifier.LISTENER_PORT_METADATA,
            Value.newBuilder().setStringValue("15003").build()))
        .build();
    try (AdsTestClient envoy = new AdsTestClient(server().channel(), node).nodeOnFirstMessageOnly().start()) {
      // LDS is the second request of the stream, so it carries no node; RDS and EDS come later still.
      Listener listener = unpack(envoy.latest(LDS, WAIT), Listener.class).get(0);
      RouteConfiguration routes = unpack(envoy.latest(RDS, WAIT), RouteConfiguration.class).get(0);
      envoy.latest(EDS, WAIT);

      assertThat(listener.getName()).isEqualTo("shadow-mirroring-http-15003");
      assertThat(routes.getName()).isEqualTo("shadow-mirroring-http-15003");
    }
  }

  @Test
  @DisplayName("a stream that NACKed and went away leaves nothing behind in the registry")
  void nackBookkeepingEndsWithTheStream() throws Exception {
    writeDemo(true);
    ProxyRegistry registry = server().server().proxies();
    AdsTestClient envoy = new AdsTestClient(server().channel(), AdsTestClient.envoyNode("gone"));
    envoy.rejectWhen(r -> r.getTypeUrl().equals(RDS) ? Optional.of("no") : Optional.empty());
    envoy.start();
    envoy.await("routes", r -> r.getTypeUrl().equals(RDS), WAIT);
    for (int i = 0; i < 200 && registry.streams().stream().noneMatch(s -> s.types().containsKey(RDS)
        && s.types().get(RDS).lastNack().isPresent()); i++) {
      AdsTestClient.sleep(10);
    }
    assertThat(registry.streams()).as("the NACKing stream").hasSize(1);

    envoy.close();

    for (int i = 0; i < 200 && !registry.streams().isEmpty(); i++) {
      AdsTestClient.sleep(10);
    }
    assertThat(registry.streams()).isEmpty();
  }

  @Test
  @DisplayName("two namespaces with a Service of the same name, two proxies in each: each proxy reaches its own namespace's Service by short name, both by qualified names")
  void tenantSafeDomains() throws Exception {
    DirectoryServer.write(directory.resolve("tenants.yaml"), documents(
        service("team-a", "api", Map.of(), 80, "http"), endpointSlice("team-a", "api", "http", 8080, "10.1.0.1"),
        service("team-b", "api", Map.of(), 80, "http"), endpointSlice("team-b", "api", "http", 8080, "10.2.0.1")));
    List<AdsTestClient> proxies = new java.util.ArrayList<>();
    try {
      for (String namespace : List.of("team-a", "team-a", "team-b", "team-b")) {
        Node node = AdsTestClient.envoyNode(namespace + "-" + proxies.size()).toBuilder()
            .setMetadata(Struct.newBuilder()
                .putFields(NodeClassifier.NAMESPACE_METADATA, Value.newBuilder().setStringValue(namespace).build())
                .putFields(NodeClassifier.ROLE_METADATA, Value.newBuilder().setStringValue("sidecar").build()))
            .build();
        proxies.add(new AdsTestClient(server().channel(), node).start());
      }
      for (int i = 0; i < proxies.size(); i++) {
        String own = i < 2 ? "team-a" : "team-b";
        String other = i < 2 ? "team-b" : "team-a";
        RouteConfiguration routes = unpack(proxies.get(i).latest(RDS, WAIT), RouteConfiguration.class).get(0);
        Map<String, List<String>> domains = new java.util.TreeMap<>();
        routes.getVirtualHostsList().forEach(h -> domains.put(h.getName(), h.getDomainsList()));

        assertThat(domains.get(own + "_api_80")).as("proxy %d in %s", i, own)
            .contains("api", "api:80", "api." + own, "api." + own + ".svc.cluster.local:80");
        assertThat(domains.get(other + "_api_80")).as("proxy %d in %s", i, own)
            .doesNotContain("api", "api:80").contains("api." + other, "api." + other + ".svc.cluster.local:80");
      }
      var profiles = server().server().publisher();
      assertThat(profiles.snapshot(io.shadowmirroring.xds.translate.ProxyProfile.envoy(10000,
          io.shadowmirroring.xds.translate.ProxyProfile.Role.SIDECAR, "team-a"))).as("one profile per namespace")
          .isPresent();
    } finally {
      proxies.forEach(AdsTestClient::close);
    }
  }

  @Test
  @DisplayName("a listener port nobody uses any more loses its snapshot at the next publish")
  void unusedProfilesAreDropped() throws Exception {
    writeDemo(true);
    Node node = AdsTestClient.envoyNode("sidecar-2").toBuilder()
        .setMetadata(Struct.newBuilder().putFields(NodeClassifier.LISTENER_PORT_METADATA,
            Value.newBuilder().setNumberValue(15002).build()))
        .build();
    var profile = io.shadowmirroring.xds.translate.ProxyProfile.envoy(15002);
    var channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forAddress("127.0.0.1", server().server().xdsPort()).usePlaintext().build();
    try (AdsTestClient envoy = new AdsTestClient(channel, node).start()) {
      envoy.latest(LDS, WAIT);
      assertThat(server().server().publisher().snapshot(profile)).isPresent();
    }
    channel.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    for (int i = 0; i < 200 && !server().server().proxies().streamsOf(profile).isEmpty(); i++) {
      AdsTestClient.sleep(10);
    }

    writeDemo(false);
    for (int i = 0; i < 300 && server().server().publisher().snapshot(profile).isPresent(); i++) {
      AdsTestClient.sleep(10);
    }
    assertThat(server().server().publisher().snapshot(profile)).isEmpty();
    assertThat(server().server().publisher().snapshot(io.shadowmirroring.xds.translate.ProxyProfile.envoy(10000)))
        .as("the default profile is kept").isPresent();
  }

  @Test
  @DisplayName("versions are content hashes: a second server on the same files serves the same versions")
  void versionsAreStableAcrossServers() throws Exception {
    writeDemo(true);
    try (AdsTestClient first = server().envoy("envoy-1");
         DirectoryServer second = new DirectoryServer(directory);
         AdsTestClient other = second.envoy("envoy-2")) {
      for (String type : List.of(CDS, EDS, LDS, RDS)) {
        first.await(type, r -> r.getTypeUrl().equals(type), WAIT);
        other.await(type, r -> r.getTypeUrl().equals(type), WAIT);
      }
      for (String type : List.of(CDS, EDS, LDS, RDS)) {
        assertThat(other.latest(type, WAIT).getVersionInfo()).as(type)
            .isEqualTo(first.latest(type, WAIT).getVersionInfo());
      }
    }
  }

  private static void waitUntilAcked(AdsTestClient client, String type) {
    for (int i = 0; i < 200 && client.ackedVersion(type).isEmpty(); i++) {
      AdsTestClient.sleep(10);
    }
  }

  private static int indexOf(List<DiscoveryResponse> log, java.util.function.Predicate<DiscoveryResponse> p) {
    for (int i = 0; i < log.size(); i++) {
      if (p.test(log.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
