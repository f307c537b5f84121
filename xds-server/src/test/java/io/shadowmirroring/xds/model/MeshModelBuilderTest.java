package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.Fixtures.inventory;
import static io.shadowmirroring.xds.Fixtures.ref;
import static io.shadowmirroring.xds.Fixtures.service;
import static io.shadowmirroring.xds.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.Fixtures.ServiceBuilder;
import io.shadowmirroring.xds.Fixtures.SliceBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@DisplayName("MeshModelBuilder: the model, statuses and problems derived from an inventory")
class MeshModelBuilderTest {
  private final MeshModelBuilder builder = new MeshModelBuilder();

  private static ClusterRef cluster(String namespace, String name, int port) {
    return new ClusterRef(ref(namespace, name), port);
  }

  private static ServicePortModel port(ModelBuild build, String namespace, String name, int port) {
    ClusterRef wanted = cluster(namespace, name, port);
    return build.model().ports().stream().filter(p -> p.cluster().equals(wanted)).findFirst()
        .orElseThrow(() -> new AssertionError("no port " + wanted + " in " + build.model()));
  }

  private static MirrorStatus status(ModelBuild build, String namespace, String name) {
    return build.statuses().stream().filter(s -> s.service().equals(ref(namespace, name))).findFirst()
        .orElseThrow(() -> new AssertionError("no status for " + namespace + "/" + name));
  }

  private static Inventory withSlices(List<ServiceBuilder> services, SliceBuilder... slices) {
    return inventory(services.stream().map(ServiceBuilder::build).toList(),
        Arrays.stream(slices).map(SliceBuilder::build).toList());
  }

  private static ServiceBuilder cart() {
    return service("shop", "cart").port("http", 80);
  }

  private static ServiceBuilder cartV2() {
    return service("shop", "cart-v2").port("http", 80);
  }

  private static final RoutePolicy CART_MIRRORED_TO_V2 = new RoutePolicy(cluster("shop", "cart", 80),
      List.of(new MirrorCopy(cluster("shop", "cart-v2", 80), 1_000_000)), MethodSet.DEFAULT, false);

  @Nested
  @DisplayName("routes")
  class Routes {

    @Test
    void aMirroredServiceCopiesToItsTargetWhileTheTargetIsServedDirectly() {
      ModelBuild build = builder.build(inventory(cart().mirrorTo("cart-v2"), cartV2()));

      assertThat(port(build, "shop", "cart", 80).route()).isEqualTo(CART_MIRRORED_TO_V2);
      assertThat(port(build, "shop", "cart-v2", 80).route()).isEqualTo(RoutePolicy.direct(cluster("shop", "cart-v2", 80)));
      assertThat(build.problems()).isEmpty();
    }

    @Test
    void everyPortOfEveryServiceBecomesOneModelPortInClusterOrder() {
      ModelBuild build = builder.build(inventory(
          service("b", "z").port("http", 80), service("a", "y").port("http", 8080).port("admin", 81)));

      assertThat(build.model().ports()).extracting(ServicePortModel::cluster)
          .containsExactly(cluster("a", "y", 81), cluster("a", "y", 8080), cluster("b", "z", 80));
      assertThat(build.model().ports()).extracting(ServicePortModel::portName).containsExactly("admin", "http", "http");
    }

    @Test
    void promoteSendsTheLiveTrafficToThePromotedTargetAndKeepsMirroringTheOthers() {
      ModelBuild build = builder.build(inventory(
          cart().mirrorTo("cart-v2,cart-v3=10").promote("cart-v2").keepHost("true").methods("*"),
          cartV2(), service("shop", "cart-v3").port("http", 80)));

      assertThat(port(build, "shop", "cart", 80).route()).isEqualTo(new RoutePolicy(cluster("shop", "cart-v2", 80),
          List.of(new MirrorCopy(cluster("shop", "cart-v3", 80), 100_000)), MethodSet.ALL, true));
      assertThat(status(build, "shop", "cart").state()).isEqualTo(MirrorStatus.State.PROMOTED);
    }

    @Test
    void statusesSayWhatEachServiceIsDoing() {
      ModelBuild build = builder.build(inventory(cart().mirrorTo("cart-v2"), cartV2()));

      MirrorStatus cart = status(build, "shop", "cart");
      assertThat(cart.state()).isEqualTo(MirrorStatus.State.MIRRORING);
      assertThat(cart.error()).isEmpty();
      assertThat(cart.targetsByPort()).isEqualTo(Map.of(80, CART_MIRRORED_TO_V2.mirrors()));
      assertThat(cart.annotations()).containsEntry(MirrorAnnotations.MIRROR_TO, "cart-v2");
      assertThat(status(build, "shop", "cart-v2").state()).isEqualTo(MirrorStatus.State.NONE);
      assertThat(status(build, "shop", "cart-v2").effective()).isEmpty();
    }

    @ParameterizedTest(name = "port name \"{0}\" with appProtocol \"{1}\" is served as \"{2}\"")
    @CsvSource({
        "http,       '',                '' ",
        "grpc,       '',                grpc",
        "grpc-api,   '',                grpc",
        "grpc-web,   '',                grpc",
        "http2,      '',                h2c",
        "http2-api,  '',                h2c",
        "h2c,        '',                h2c",
        "h2c-x,      '',                h2c",
        "grpcx,      '',                '' ",
        "web,        grpc,              grpc",
        "grpc,       http,              http",
        "web,        kubernetes.io/h2c, kubernetes.io/h2c",
        "'',         '',                '' ",
    })
    void appProtocolComesFromTheServiceOrThePortName(String name, String appProtocol, String expected) {
      ModelBuild build = builder.build(inventory(service("rpc", "greeter").port(name, 50051, appProtocol)));

      assertThat(port(build, "rpc", "greeter", 50051).appProtocol()).isEqualTo(expected);
    }
  }

  @Nested
  @DisplayName("invalid annotations")
  class InvalidAnnotations {

    @Test
    void aServiceWithAnInvalidAnnotationIsServedWithoutMirroring() {
      ModelBuild build = builder.build(inventory(cart().mirrorTo("cart-v2").percentage("150"), cartV2()));

      assertThat(port(build, "shop", "cart", 80).route()).isEqualTo(RoutePolicy.direct(cluster("shop", "cart", 80)));
      assertThat(build.problems()).singleElement().satisfies(problem -> {
        assertThat(problem.service()).isEqualTo(ref("shop", "cart"));
        assertThat(problem.message()).isEqualTo("invalid mirror config on service shop/cart: "
            + "shadow-mirroring.io/mirror-percentage=\"150\": percentage must not exceed 100 "
            + "(serving it without mirroring)");
      });
      MirrorStatus status = status(build, "shop", "cart");
      assertThat(status.state()).isEqualTo(MirrorStatus.State.INVALID);
      assertThat(status.effective()).isEmpty();
      assertThat(status.targetsByPort()).isEmpty();
      assertThat(status.error())
          .isEqualTo("shadow-mirroring.io/mirror-percentage=\"150\": percentage must not exceed 100");
    }

    @Test
    @DisplayName("an invalid edit after a valid one serves no mirror: the output depends on the inventory alone")
    void anInvalidEditAfterAValidOneServesNoMirror() {
      Inventory invalid = inventory(cart().mirrorTo("cart-v2").methods("GET,CONNECT"), cartV2());
      builder.build(inventory(cart().mirrorTo("cart-v2"), cartV2()));

      ModelBuild afterHistory = builder.build(invalid);
      ModelBuild fresh = new MeshModelBuilder().build(invalid);

      assertThat(port(afterHistory, "shop", "cart", 80).route())
          .isEqualTo(RoutePolicy.direct(cluster("shop", "cart", 80)));
      assertThat(afterHistory.model()).isEqualTo(fresh.model());
      assertThat(afterHistory.statuses()).isEqualTo(fresh.statuses());
      assertThat(afterHistory.problems()).singleElement().extracting(ConfigProblem::message).isEqualTo(
          "invalid mirror config on service shop/cart: shadow-mirroring.io/mirror-methods=\"GET,CONNECT\": "
              + "CONNECT requests cannot be mirrored by Envoy (serving it without mirroring)");
      assertThat(status(afterHistory, "shop", "cart").effective()).isEmpty();
    }

    @Test
    void fixingTheAnnotationTurnsTheMirrorBackOn() {
      builder.build(inventory(cart().mirrorTo("cart-v2").keepHost("yes"), cartV2()));

      ModelBuild build = builder.build(inventory(cart().mirrorTo("cart-v2"), cartV2()));

      assertThat(port(build, "shop", "cart", 80).route()).isEqualTo(CART_MIRRORED_TO_V2);
      assertThat(build.problems()).isEmpty();
      assertThat(status(build, "shop", "cart").state()).isEqualTo(MirrorStatus.State.MIRRORING);
    }

    @Test
    void aTargetThatDisappearsTurnsTheMirrorOffWithAProblem() {
      builder.build(inventory(cart().mirrorTo("cart-v2"), cartV2()));

      ModelBuild build = builder.build(inventory(cart().mirrorTo("cart-v2")));

      assertThat(port(build, "shop", "cart", 80).route()).isEqualTo(RoutePolicy.direct(cluster("shop", "cart", 80)));
      assertThat(build.problems()).singleElement().extracting(ConfigProblem::message).isEqualTo(
          "invalid mirror config on service shop/cart: shadow-mirroring.io/mirror-to=\"cart-v2\": "
              + "target Service shop/cart-v2 does not exist (serving it without mirroring)");
    }

    @Test
    void anInvalidPromoteIsReportedWithTheTargetsItMayName() {
      ModelBuild build = builder.build(inventory(cart().mirrorTo("cart-v2").promote("nope"), cartV2()));

      assertThat(port(build, "shop", "cart", 80).route()).isEqualTo(RoutePolicy.direct(cluster("shop", "cart", 80)));
      assertThat(build.problems()).singleElement().extracting(ConfigProblem::message).isEqualTo(
          "invalid mirror config on service shop/cart: shadow-mirroring.io/promote=\"nope\": promote must name "
              + "one of the targets in shadow-mirroring.io/mirror-to (shop/cart-v2) (serving it without mirroring)");
    }

    @Test
    void otherServicesAreUnaffectedByOneInvalidService() {
      List<ServiceBuilder> valid = List.of(
          service("shop", "search").mirrorTo("search-v2").methods("GET").port("http", 80),
          service("shop", "search-v2").port("http", 80),
          service("shop", "cart-v2").port("http", 80));
      ModelBuild before = builder.build(withSlices(concat(valid, cart())));

      ModelBuild after = new MeshModelBuilder().build(
          withSlices(concat(valid, cart().mirrorTo("cart-v2").annotate("shadow-mirroring.io/mirror-too", "x"))));

      assertThat(after.model()).isEqualTo(before.model());
      assertThat(port(after, "shop", "search", 80).route().mirrors()).hasSize(1);
      assertThat(after.problems()).extracting(ConfigProblem::service).containsExactly(ref("shop", "cart"));
      assertThat(after.statuses()).filteredOn(s -> s.state() == MirrorStatus.State.INVALID)
          .extracting(MirrorStatus::service).containsExactly(ref("shop", "cart"));
    }

    private static List<ServiceBuilder> concat(List<ServiceBuilder> services, ServiceBuilder extra) {
      return Stream.concat(services.stream(), Stream.of(extra)).toList();
    }
  }

  @Nested
  @DisplayName("scope: --expose mirrored, and narrowing to namespaces")
  class Scope {
    private final MeshModelBuilder mirroredOnly = new MeshModelBuilder(Exposure.MIRRORED);

    private Inventory stored() {
      return inventory(
          cart().mirrorTo("canary/cart-v2"),                                  // mirrored
          service("canary", "cart-v2").port("http", 80),                      // its target, elsewhere
          service("shop", "search").promote("search-v2").mirrorTo("search-v2").port("http", 80),
          service("shop", "search-v2").port("http", 80),                      // promoted target
          service("shop", "web").annotate(MirrorAnnotations.EXPOSE, "true").port("http", 80),
          service("shop", "broken").mirrorTo("gone").port("http", 80),        // invalid, still in scope
          service("shop", "internal").annotate(MirrorAnnotations.EXPOSE, "false").port("http", 80),
          service("kube-system", "kube-dns").port("dns", 53));                // nobody asked
    }

    private static Map<String, Boolean> routable(MeshModel model) {
      return model.ports().stream().collect(java.util.stream.Collectors.toMap(
          p -> p.cluster().toString(), ServicePortModel::routable, (a, b) -> a, java.util.TreeMap::new));
    }

    @Test
    @DisplayName("mirrored: mirrored, opted-in and invalid-mirror Services are routable; their targets are clusters only; the rest is left out")
    void mirroredExposure() {
      ModelBuild build = mirroredOnly.build(stored());

      assertThat(routable(build.model())).isEqualTo(Map.of(
          "shop/cart:80", true, "canary/cart-v2:80", false,
          "shop/search:80", true, "shop/search-v2:80", false,
          "shop/web:80", true, "shop/broken:80", true));
      assertThat(port(build, "shop", "cart", 80).route()).isEqualTo(new RoutePolicy(cluster("shop", "cart", 80),
          List.of(new MirrorCopy(cluster("canary", "cart-v2", 80), 1_000_000)), MethodSet.DEFAULT, false));
      assertThat(build.statuses()).hasSize(8);
    }

    @Test
    @DisplayName("all (the default): every port is routable, exactly as before scoping")
    void allExposure() {
      ModelBuild build = new MeshModelBuilder().build(stored());

      assertThat(build.model().ports()).hasSize(8).allMatch(ServicePortModel::routable);
      assertThat(build.model()).isEqualTo(new MeshModelBuilder(Exposure.ALL).build(stored()).model());
    }

    @Test
    @DisplayName("narrowing to namespaces keeps their routable ports and, as clusters only, what their routes need")
    void narrowToNamespaces() {
      MeshModel all = new MeshModelBuilder().build(stored()).model();

      MeshModel shopOnly = ModelScope.narrow(all, ref -> ref.namespace().equals("shop"));

      assertThat(routable(shopOnly)).isEqualTo(Map.of(
          "shop/cart:80", true, "canary/cart-v2:80", false, "shop/search:80", true, "shop/search-v2:80", true,
          "shop/web:80", true, "shop/broken:80", true, "shop/internal:80", true));
      assertThat(routable(ModelScope.narrow(mirroredOnly.build(stored()).model(),
          ref -> ref.namespace().equals("canary")))).as("narrowing twice narrows to both").isEmpty();
    }
  }

  @Nested
  @DisplayName("endpoints from EndpointSlices")
  class Endpoints {

    @Test
    void onlyReadyEndpointsAreServed() {
      ModelBuild build = builder.build(withSlices(List.of(cart()),
          slice("shop", "cart-1", "cart").port("http", 8080)
              .ready("10.0.0.2", "zone-b").notReady("10.0.0.3").ready("10.0.0.1", "zone-a")));

      assertThat(port(build, "shop", "cart", 80).endpoints()).containsExactly(
          new EndpointAddress("10.0.0.1", 8080, "zone-a"), new EndpointAddress("10.0.0.2", 8080, "zone-b"));
    }

    @Test
    void namedTargetPortsAreResolvedThroughTheSlicePortNames() {
      ModelBuild build = builder.build(withSlices(
          List.of(service("shop", "cart").port("http", 80).port("metrics", 9000)),
          slice("shop", "cart-1", "cart").port("metrics", 9102).port("http", 8080).ready("10.0.0.1")));

      assertThat(port(build, "shop", "cart", 80).endpoints())
          .containsExactly(new EndpointAddress("10.0.0.1", 8080, ""));
      assertThat(port(build, "shop", "cart", 9000).endpoints())
          .containsExactly(new EndpointAddress("10.0.0.1", 9102, ""));
    }

    @Test
    void anUnnamedSlicePortServesASinglePortService() {
      ModelBuild build = builder.build(withSlices(List.of(service("shop", "cart").port("web", 80)),
          slice("shop", "cart-1", "cart").port(8080).ready("10.0.0.1")));

      assertThat(port(build, "shop", "cart", 80).endpoints())
          .containsExactly(new EndpointAddress("10.0.0.1", 8080, ""));
    }

    @Test
    void anUnnamedSlicePortIsIgnoredForAMultiPortService() {
      ModelBuild build = builder.build(withSlices(
          List.of(service("shop", "cart").port("http", 80).port("metrics", 9000)),
          slice("shop", "cart-1", "cart").port(8080).ready("10.0.0.1")));

      assertThat(build.model().ports()).allSatisfy(p -> assertThat(p.endpoints()).isEmpty());
    }

    @Test
    void aServiceWithoutSlicesHasZeroEndpoints() {
      ModelBuild build = builder.build(withSlices(List.of(cart()),
          slice("shop", "other-1", "other").port("http", 8080).ready("10.0.0.9"),
          slice("staging", "cart-1", "cart").port("http", 8080).ready("10.0.0.8"),
          slice("shop", "unlabelled", null).port("http", 8080).ready("10.0.0.7")));

      assertThat(port(build, "shop", "cart", 80).endpoints()).isEmpty();
    }

    @Test
    void aSliceWithOnlyUnreadyEndpointsGivesZeroEndpoints() {
      ModelBuild build = builder.build(withSlices(List.of(cart()),
          slice("shop", "cart-1", "cart").port("http", 8080).notReady("10.0.0.1")));

      assertThat(port(build, "shop", "cart", 80).endpoints()).isEmpty();
    }

    @Test
    void endpointsOfSeveralSlicesAreMergedSortedAndDeduplicated() {
      ModelBuild build = builder.build(withSlices(List.of(cart()),
          slice("shop", "cart-b", "cart").port("http", 8080).ready("10.0.0.3").ready("10.0.0.1"),
          slice("shop", "cart-a", "cart").port("http", 8080).ready("10.0.0.2").ready("10.0.0.1")));

      assertThat(port(build, "shop", "cart", 80).endpoints()).extracting(EndpointAddress::ip)
          .containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.3");
    }

    @Test
    void anEndpointWithoutAddressesIsSkippedAndOnlyTheFirstAddressIsUsed() {
      EndpointSliceInput slice = new EndpointSliceInput("shop", "cart-1", "cart",
          List.of(new EndpointSliceInput.Port("http", 8080)),
          List.of(new EndpointSliceInput.Endpoint(List.of(), true, ""),
              new EndpointSliceInput.Endpoint(List.of("10.0.0.1", "10.0.0.2"), true, "")));

      ModelBuild build = builder.build(new Inventory(List.of(cart().build()), List.of(slice)));

      assertThat(port(build, "shop", "cart", 80).endpoints())
          .containsExactly(new EndpointAddress("10.0.0.1", 8080, ""));
    }
  }

  @Test
  void anEmptyInventoryIsAnEmptyModel() {
    ModelBuild build = builder.build(Inventory.empty());

    assertThat(build.model()).isEqualTo(MeshModel.empty());
    assertThat(build.statuses()).isEmpty();
    assertThat(build.problems()).isEmpty();
  }
}
