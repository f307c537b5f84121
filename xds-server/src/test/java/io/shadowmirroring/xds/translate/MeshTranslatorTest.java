package io.shadowmirroring.xds.translate;

import static io.shadowmirroring.xds.Fixtures.inventory;
import static io.shadowmirroring.xds.Fixtures.service;
import static io.shadowmirroring.xds.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.shadowmirroring.xds.Fixtures.ServiceBuilder;
import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.xds.ContentVersion;
import io.shadowmirroring.xds.xds.SnapshotFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("MeshTranslator: the model as Envoy listeners, routes, clusters and endpoints")
class MeshTranslatorTest {
  private static final ProxyProfile ENVOY = ProxyProfile.envoy(10000);
  private static final ProxyProfile IN_TEAM_A = ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, "team-a");

  private static final String CART = "shop/cart:80";
  private static final String CART_HOST = "shop_cart_80";

  private final MeshTranslator translator = new MeshTranslator();

  private static MeshModel model(Inventory inventory) {
    return new MeshModelBuilder().build(inventory).model();
  }

  private XdsResources translate(ServiceBuilder... services) {
    return translator.translate(model(inventory(services)), ENVOY);
  }

  private static ServiceBuilder cart() {
    return service("shop", "cart").port("http", 80);
  }

  private static ServiceBuilder target(String name) {
    return service("shop", name).port("http", 80);
  }

  /** The Envoy profile's virtual host, found by its name (the stat-safe name of its cluster). */
  private static VirtualHost host(XdsResources resources, String name) {
    assertThat(resources.routes()).hasSize(1);
    return resources.routes().get(0).getVirtualHostsList().stream()
        .filter(h -> h.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no virtual host " + name));
  }

  private static Cluster cluster(XdsResources resources, String name) {
    return resources.clusters().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no cluster " + name));
  }

  private static Route route(VirtualHost host, String name) {
    return host.getRoutesList().stream().filter(r -> r.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no route " + name + " in " + host.getName()));
  }

  private static List<RouteAction.RequestMirrorPolicy> mirrorsOf(XdsResources resources) {
    return route(host(resources, CART_HOST), RouteFactory.MIRRORED_ROUTE).getRoute().getRequestMirrorPoliciesList();
  }

  private static <T extends Message> T unpack(com.google.protobuf.Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Nested
  @DisplayName("mirror policies")
  class MirrorPolicies {

    @ParameterizedTest(name = "{0}% is {1}/MILLION, set as mirror-percentage or as =percent")
    @CsvSource({
        "29,      290000",
        "12.5,    125000",
        "100,     1000000",
        "0.0001,  1",
        "33.3333, 333333",
        "0,       0",
    })
    void aPercentageIsARuntimeFractionOverAMillion(String percent, int numerator) {
      XdsResources byDefault = translate(cart().mirrorTo("cart-v2").percentage(percent), target("cart-v2"));
      XdsResources perTarget = translate(cart().mirrorTo("cart-v2=" + percent).percentage("50"), target("cart-v2"));

      FractionalPercent expected = FractionalPercent.newBuilder()
          .setNumerator(numerator).setDenominator(FractionalPercent.DenominatorType.MILLION).build();
      assertThat(mirrorsOf(byDefault)).singleElement()
          .satisfies(m -> assertThat(m.getRuntimeFraction().getDefaultValue()).isEqualTo(expected));
      assertThat(mirrorsOf(perTarget)).singleElement()
          .satisfies(m -> assertThat(m.getRuntimeFraction().getDefaultValue()).isEqualTo(expected));
    }

    @Test
    void withoutMirrorPercentageEveryEligibleRequestIsCopied() {
      assertThat(mirrorsOf(translate(cart().mirrorTo("cart-v2"), target("cart-v2"))))
          .singleElement().satisfies(m -> {
            assertThat(m.getRuntimeFraction().getDefaultValue().getNumerator()).isEqualTo(1_000_000);
            assertThat(m.getRuntimeFraction().getDefaultValue().getDenominator())
                .isEqualTo(FractionalPercent.DenominatorType.MILLION);
          });
    }

    @Test
    void theRuntimeKeyNamesThePrimaryPortAndTheTargetPort() {
      XdsResources resources = translate(cart().mirrorTo("staging/cart-v2:8080=5"),
          service("staging", "cart-v2").port("http", 80).port("alt", 8080));

      assertThat(mirrorsOf(resources)).singleElement().satisfies(m -> {
        assertThat(m.getCluster()).isEqualTo("mirror/shop/cart:80/staging/cart-v2:8080");
        assertThat(m.getRuntimeFraction().getRuntimeKey())
            .isEqualTo("shadow_mirroring.shop.cart.80.mirror.staging.cart-v2.8080");
      });
    }

    @Test
    void policiesAreOrderedByTargetClusterWhateverTheAnnotationOrder() {
      XdsResources resources = translate(cart().mirrorTo("cart-v3,cart-canary=1,cart-v2"),
          target("cart-v2"), target("cart-v3"), target("cart-canary"));

      assertThat(mirrorsOf(resources)).extracting(RouteAction.RequestMirrorPolicy::getCluster)
          .containsExactly("mirror/shop/cart:80/shop/cart-canary:80", "mirror/shop/cart:80/shop/cart-v2:80",
              "mirror/shop/cart:80/shop/cart-v3:80");
    }

    @ParameterizedTest(name = "keep-host {0}: disable_shadow_host_suffix_append is {1}")
    @CsvSource({"true, true", "false, false", "'', false"})
    void keepHostDisablesTheShadowHostSuffixOnEveryCopy(String keepHost, boolean expected) {
      ServiceBuilder cart = cart().mirrorTo("cart-v2,cart-v3");
      if (!keepHost.isEmpty()) {
        cart.keepHost(keepHost);
      }

      XdsResources resources = translate(cart, target("cart-v2"), target("cart-v3"));

      assertThat(mirrorsOf(resources)).hasSize(2).allSatisfy(
          m -> assertThat(m.getDisableShadowHostSuffixAppend()).isEqualTo(expected));
    }
  }

  @Nested
  @DisplayName("mirror clusters: copies go to a cluster of their own per primary port and target")
  class MirrorClusters {
    private static final String MIRROR = "mirror/shop/cart:80/shop/cart-v2:80";

    private static CircuitBreakers.Thresholds thresholds(int connections, int pending, int requests) {
      return CircuitBreakers.Thresholds.newBuilder()
          .setPriority(RoutingPriority.DEFAULT)
          .setMaxConnections(UInt32Value.of(connections))
          .setMaxPendingRequests(UInt32Value.of(pending))
          .setMaxRequests(UInt32Value.of(requests))
          .build();
    }

    @Test
    void theMirrorClusterReadsTheTargetsAssignmentUnderItsOwnStatName() {
      XdsResources resources = translate(cart().mirrorTo("cart-v2"), target("cart-v2"));

      Cluster mirror = cluster(resources, MIRROR);
      Cluster target = cluster(resources, "shop/cart-v2:80");
      assertThat(mirror.getAltStatName()).isEqualTo("mirror_shop_cart_80_shop_cart-v2_80");
      assertThat(mirror.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
      assertThat(mirror.getEdsClusterConfig().getServiceName()).isEqualTo("shop/cart-v2:80");
      assertThat(mirror.getEdsClusterConfig().getEdsConfig()).isEqualTo(target.getEdsClusterConfig().getEdsConfig());
      assertThat(mirror.getConnectTimeout()).isEqualTo(target.getConnectTimeout());
      assertThat(mirror.getLbPolicy()).isEqualTo(target.getLbPolicy());
      assertThat(mirror.getTypedExtensionProtocolOptionsMap()).isEmpty();
      assertThat(resources.endpoints()).extracting(ClusterLoadAssignment::getClusterName)
          .as("no assignment of its own").containsExactly("shop/cart-v2:80", "shop/cart:80");
    }

    @Test
    void theMirrorPolicyNamesTheMirrorClusterAndKeepsTheRuntimeKey() {
      assertThat(mirrorsOf(translate(cart().mirrorTo("cart-v2"), target("cart-v2")))).singleElement()
          .satisfies(m -> {
            assertThat(m.getCluster()).isEqualTo(MIRROR);
            assertThat(m.getRuntimeFraction().getRuntimeKey()).isEqualTo("shadow_mirroring.shop.cart.80.mirror.shop.cart-v2.80");
          });
    }

    @Test
    void anHttp2TargetGivesItsMirrorClusterTheSameProtocolOptions() {
      XdsResources resources = translate(service("rpc", "greeter").port("grpc", 50051).mirrorTo("greeter-v2"),
          service("rpc", "greeter-v2").port("grpc", 50051));

      Cluster mirror = cluster(resources, "mirror/rpc/greeter:50051/rpc/greeter-v2:50051");
      assertThat(mirror.getTypedExtensionProtocolOptionsMap())
          .isEqualTo(cluster(resources, "rpc/greeter-v2:50051").getTypedExtensionProtocolOptionsMap())
          .containsOnlyKeys(ClusterFactory.HTTP_PROTOCOL_OPTIONS);
    }

    @Test
    void withoutMirrorLimitsTheBreakersAreTheDefaults() {
      Cluster mirror = cluster(translate(cart().mirrorTo("cart-v2"), target("cart-v2")), MIRROR);

      assertThat(mirror.getCircuitBreakers().getThresholdsList()).containsExactly(thresholds(100, 50, 100));
    }

    static Stream<Arguments> limitCases() {
      return Stream.of(
          arguments("max-connections=10,max-pending-requests=5,max-requests=20", thresholds(10, 5, 20)),
          arguments("max-requests=1", thresholds(100, 50, 1)),
          arguments("max-pending-requests=100000", thresholds(100, 100_000, 100)));
    }

    @ParameterizedTest(name = "mirror-limits \"{0}\"")
    @MethodSource("limitCases")
    void mirrorLimitsSetTheBreakersOfEveryMirrorClusterOfTheService(String limits, CircuitBreakers.Thresholds expected) {
      XdsResources resources = translate(
          cart().mirrorTo("cart-v2,cart-v3").annotate("shadow-mirroring.io/mirror-limits", limits),
          target("cart-v2"), target("cart-v3"));

      assertThat(resources.clusters()).filteredOn(c -> c.getName().startsWith("mirror/")).hasSize(2)
          .allSatisfy(c -> assertThat(c.getCircuitBreakers().getThresholdsList()).containsExactly(expected));
      assertThat(resources.clusters()).filteredOn(c -> !c.getName().startsWith("mirror/"))
          .allSatisfy(c -> assertThat(c.hasCircuitBreakers()).isFalse());
    }

    @Test
    void eachPrimaryPortAndEachPrimaryGetTheirOwnMirrorCluster() {
      XdsResources resources = translate(
          cart().port("grpc", 50051).mirrorTo("cart-v2"),
          service("shop", "checkout").port("http", 80).mirrorTo("cart-v2"),
          target("cart-v2").port("grpc", 50051));

      assertThat(resources.clusters()).extracting(Cluster::getName).filteredOn(n -> n.startsWith("mirror/"))
          .containsExactly("mirror/shop/cart:50051/shop/cart-v2:50051", "mirror/shop/cart:80/shop/cart-v2:80",
              "mirror/shop/checkout:80/shop/cart-v2:80");
      assertThat(resources.endpoints()).hasSize(5);
    }

    @Test
    void aPromotedTargetTakesLiveTrafficAndGetsNoMirrorCluster() {
      XdsResources resources = translate(cart().mirrorTo("cart-v2,cart-v3").promote("cart-v2"),
          target("cart-v2"), target("cart-v3"));

      assertThat(resources.clusters()).extracting(Cluster::getName).filteredOn(n -> n.startsWith("mirror/"))
          .containsExactly("mirror/shop/cart:80/shop/cart-v3:80");
    }

    @Test
    void withoutMirrorThereIsNoMirrorCluster() {
      assertThat(translate(cart(), target("cart-v2")).clusters()).extracting(Cluster::getName)
          .containsExactly("shop/cart-v2:80", "shop/cart:80");
    }

    @Test
    void bothProfilesGetTheSameClusters() {
      MeshModel model = model(richInventory());

      assertThat(translator.translate(model, ProxyProfile.grpc()).clusters())
          .isEqualTo(translator.translate(model, ENVOY).clusters());
    }
  }

  @Nested
  @DisplayName("stat names: stat-safe, so Envoy's tag extraction keeps each name whole")
  class StatNames {

    static Stream<Arguments> statPrefixCases() {
      return Stream.of(
          arguments("(default)", "mirrored"),
          arguments("GET", "mirrored"),
          arguments("*", "mirrored"));
    }

    @ParameterizedTest(name = "mirror-methods {0}: the {1} route has the stat_prefix")
    @MethodSource("statPrefixCases")
    void theMirroredRouteCountsProductionOnTheCopiedRequests(String methods, String routeName) {
      ServiceBuilder cart = cart().mirrorTo("cart-v2");
      if (!methods.equals("(default)")) {
        cart.methods(methods);
      }

      VirtualHost host = host(translate(cart, target("cart-v2")), CART_HOST);

      assertThat(route(host, routeName).getStatPrefix()).isEqualTo("shop_cart_80_mirrored");
      assertThat(host.getRoutesList()).filteredOn(r -> !r.getName().equals(routeName))
          .allSatisfy(r -> assertThat(r.getStatPrefix()).isEmpty());
    }

    @Test
    void aRouteWithoutCopiesHasNoStatPrefix() {
      XdsResources resources = translate(cart().mirrorTo("cart-v2").promote("cart-v2"), target("cart-v2"));

      assertThat(resources.routes().get(0).getVirtualHostsList()).flatExtracting(VirtualHost::getRoutesList)
          .allSatisfy(r -> assertThat(r.getStatPrefix()).isEmpty());
    }

    @Test
    void everyClusterHasTheStatSafeAltStatName() {
      XdsResources resources = translator.translate(model(richInventory()), ENVOY);

      assertThat(resources.clusters()).filteredOn(c -> !c.getName().startsWith("mirror/"))
          .allSatisfy(c -> assertThat(c.getAltStatName())
              .isEqualTo(c.getName().replace('/', '_').replace(':', '_')));
      assertThat(resources.clusters()).filteredOn(c -> c.getName().startsWith("mirror/"))
          .extracting(Cluster::getAltStatName)
          .containsExactly("mirror_shop_cart_50051_shop_cart-v2_50051", "mirror_shop_cart_50051_shop_cart-v3_50051",
              "mirror_shop_cart_80_shop_cart-v2_80", "mirror_shop_cart_80_shop_cart-v3_80",
              "mirror_shop_search_80_staging_search_80");
      assertThat(resources.clusters()).extracting(Cluster::getAltStatName).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "profile {0}")
    @ValueSource(strings = {"envoy", "grpc"})
    void noStatNamePartHasADotOrAColon(String profile) {
      XdsResources resources = translator.translate(model(richInventory()), profile(profile));
      List<RouteConfiguration> routes = new ArrayList<>(resources.routes());
      resources.listeners().stream().filter(Listener::hasApiListener)
          .map(l -> unpack(l.getApiListener().getApiListener(), HttpConnectionManager.class).getRouteConfig())
          .forEach(routes::add);

      List<String> parts = new ArrayList<>();
      resources.clusters().forEach(c -> parts.add(c.getAltStatName()));
      routes.forEach(config -> config.getVirtualHostsList().forEach(host -> {
        parts.add(host.getName());
        host.getRoutesList().stream().map(Route::getStatPrefix).filter(p -> !p.isEmpty()).forEach(parts::add);
        host.getVirtualClustersList().forEach(v -> parts.add(v.getName()));
      }));

      assertThat(parts).hasSizeGreaterThan(resources.clusters().size())
          .allSatisfy(part -> assertThat(part).isNotEmpty().doesNotContain(".").doesNotContain(":"));
      assertThat(parts).contains("shop_cart_80_mirrored", "shop_search_80_mirrored");
    }
  }

  @Nested
  @DisplayName("routes")
  class Routes {

    static Stream<Arguments> methodCases() {
      HeaderMatcher.Builder method = HeaderMatcher.newBuilder().setName(":method");
      return Stream.of(
          arguments("(default)", List.of("mirrored", "live"), List.of(method.clone().setStringMatch(
              StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("GET|HEAD|OPTIONS")))
              .build())),
          arguments("GET", List.of("mirrored", "live"),
              List.of(method.clone().setStringMatch(StringMatcher.newBuilder().setExact("GET")).build())),
          arguments("post, get", List.of("mirrored", "live"), List.of(method.clone().setStringMatch(
              StringMatcher.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex("GET|POST"))).build())),
          arguments("*", List.of("mirrored"), List.of()));
    }

    @ParameterizedTest(name = "mirror-methods {0}: routes {1}")
    @MethodSource("methodCases")
    void theMirroredRouteComesFirstAndMatchesTheMethods(
        String methods, List<String> routeNames, List<HeaderMatcher> headers) {
      ServiceBuilder cart = cart().mirrorTo("cart-v2");
      if (!methods.equals("(default)")) {
        cart.methods(methods);
      }

      VirtualHost host = host(translate(cart, target("cart-v2")), CART_HOST);

      assertThat(host.getRoutesList()).extracting(Route::getName).containsExactlyElementsOf(routeNames);
      Route mirrored = host.getRoutes(0);
      assertThat(mirrored.getMatch().getPrefix()).isEqualTo("/");
      assertThat(mirrored.getMatch().getHeadersList()).containsExactlyElementsOf(headers);
      assertThat(mirrored.getRoute().getCluster()).isEqualTo(CART);
      assertThat(mirrored.getRoute().getRequestMirrorPoliciesList()).hasSize(1);
      if (routeNames.size() == 2) {
        Route live = host.getRoutes(1);
        assertThat(live.getMatch().getPrefix()).isEqualTo("/");
        assertThat(live.getMatch().getHeadersList()).isEmpty();
        assertThat(live.getRoute().getCluster()).isEqualTo(CART);
        assertThat(live.getRoute().getRequestMirrorPoliciesList()).isEmpty();
      }
    }

    @Test
    void aServiceWithoutMirrorHasOneLiveRoute() {
      VirtualHost host = host(translate(cart(), target("cart-v2")), CART_HOST);

      assertThat(host.getRoutesList()).singleElement().satisfies(route -> {
        assertThat(route.getName()).isEqualTo("live");
        assertThat(route.getMatch().getPrefix()).isEqualTo("/");
        assertThat(route.getMatch().getHeadersList()).isEmpty();
        assertThat(route.getRoute().getCluster()).isEqualTo(CART);
        assertThat(route.getRoute().getRequestMirrorPoliciesList()).isEmpty();
      });
    }

    @Test
    void promoteSendsEveryRoutesLiveTrafficToThePromotedTarget() {
      VirtualHost host = host(translate(cart().mirrorTo("cart-v2,cart-v3").promote("cart-v2"),
          target("cart-v2"), target("cart-v3")), CART_HOST);

      assertThat(host.getRoutesList()).extracting(Route::getName).containsExactly("mirrored", "live");
      assertThat(host.getRoutesList()).allSatisfy(
          route -> assertThat(route.getRoute().getCluster()).isEqualTo("shop/cart-v2:80"));
      assertThat(host.getRoutes(0).getRoute().getRequestMirrorPoliciesList())
          .extracting(RouteAction.RequestMirrorPolicy::getCluster).containsExactly("mirror/shop/cart:80/shop/cart-v3:80");
    }

    @Test
    void promotingTheOnlyTargetLeavesOneLiveRouteToIt() {
      VirtualHost host = host(translate(cart().mirrorTo("cart-v2").promote("cart-v2"), target("cart-v2")),
          CART_HOST);

      assertThat(host.getRoutesList()).singleElement().satisfies(route -> {
        assertThat(route.getName()).isEqualTo("live");
        assertThat(route.getRoute().getCluster()).isEqualTo("shop/cart-v2:80");
        assertThat(route.getRoute().getRequestMirrorPoliciesList()).isEmpty();
      });
    }

    @Test
    void theTargetKeepsItsOwnVirtualHostWithoutMirror() {
      VirtualHost host = host(translate(cart().mirrorTo("cart-v2"), target("cart-v2")), "shop_cart-v2_80");

      assertThat(host.getRoutesList()).singleElement().satisfies(
          route -> assertThat(route.getRoute().getCluster()).isEqualTo("shop/cart-v2:80"));
    }

    static Stream<Arguments> portlessDomainCases() {
      return Stream.of(
          arguments(List.of(80), 80),
          arguments(List.of(8080, 9090), 8080),
          arguments(List.of(9090, 8080), 8080),
          arguments(List.of(50, 80, 8080), 80),
          arguments(List.of(443), 443));
    }

    @ParameterizedTest(name = "ports {0}: the Host without a port goes to {1}")
    @MethodSource("portlessDomainCases")
    void theHostWithoutAPortGoesToPort80OrElseTheLowestPort(List<Integer> ports, int owner) {
      ServiceBuilder api = service("team-a", "api");
      ports.forEach(p -> api.port("p" + p, p));

      XdsResources resources = translator.translate(model(inventory(api)), IN_TEAM_A);

      for (int port : ports) {
        List<String> domains = host(resources, "team-a_api_" + port).getDomainsList();
        assertThat(domains).as("domains of port %d", port)
            .contains("api:" + port, "api.team-a:" + port, "api.team-a.svc:" + port,
                "api.team-a.svc.cluster.local:" + port);
        if (port == owner) {
          assertThat(domains).contains("api", "api.team-a", "api.team-a.svc", "api.team-a.svc.cluster.local");
        } else {
          assertThat(domains).allMatch(d -> d.endsWith(":" + port));
        }
      }
    }

    @Test
    @DisplayName("short names go only to the Services of the proxy's namespace; qualified names to all")
    void shortNamesOnlyForTheProxysNamespace() {
      ServiceBuilder[] services = {service("team-a", "web").port("http", 80), service("team-b", "web").port("http", 80)};

      XdsResources inA = translator.translate(model(inventory(services)), IN_TEAM_A);
      XdsResources inB = translator.translate(model(inventory(services)),
          ProxyProfile.envoy(10000, ProxyProfile.Role.SIDECAR, "team-b"));
      XdsResources nowhere = translate(services);

      List<String> qualifiedA = List.of("web.team-a", "web.team-a.svc", "web.team-a.svc.cluster.local",
          "web.team-a.svc.cluster.local:80", "web.team-a.svc:80", "web.team-a:80");
      assertThat(host(inA, "team-a_web_80").getDomainsList())
          .containsExactly("web", "web.team-a", "web.team-a.svc", "web.team-a.svc.cluster.local",
              "web.team-a.svc.cluster.local:80", "web.team-a.svc:80", "web.team-a:80", "web:80");
      assertThat(host(inA, "team-b_web_80").getDomainsList()).doesNotContain("web", "web:80").contains("web.team-b");
      assertThat(host(inB, "team-b_web_80").getDomainsList()).contains("web", "web:80", "web.team-b:80");
      assertThat(host(inB, "team-a_web_80").getDomainsList()).containsExactlyElementsOf(qualifiedA);
      assertThat(host(nowhere, "team-a_web_80").getDomainsList()).as("a proxy without a namespace")
          .containsExactlyElementsOf(qualifiedA);
      for (XdsResources resources : List.of(inA, inB, nowhere)) {
        assertThat(resources.routes().get(0).getVirtualHostsList().stream()
            .flatMap(h -> h.getDomainsList().stream()).toList()).doesNotHaveDuplicates();
      }
    }
  }

  @Nested
  @DisplayName("clusters and endpoints")
  class ClustersAndEndpoints {

    @Test
    void everyServicePortIsAnEdsClusterFetchedOverAds() {
      XdsResources resources = translate(cart().port("admin", 9000), target("cart-v2"));

      assertThat(resources.clusters()).extracting(Cluster::getName)
          .containsExactly("shop/cart-v2:80", "shop/cart:80", "shop/cart:9000");
      assertThat(resources.clusters()).allSatisfy(cluster -> {
        assertThat(cluster.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
        assertThat(cluster.getEdsClusterConfig().getServiceName()).isEqualTo(cluster.getName());
        assertThat(cluster.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
        assertThat(cluster.hasCircuitBreakers()).as("only mirror clusters get breakers").isFalse();
      });
      assertThat(resources.clusters()).extracting(Cluster::getAltStatName)
          .containsExactly("shop_cart-v2_80", "shop_cart_80", "shop_cart_9000");
    }

    @ParameterizedTest(name = "port name \"{0}\", appProtocol \"{1}\": HTTP/2 {2}")
    @CsvSource({
        "grpc,  '',                true",
        "http2, '',                true",
        "web,   grpc,              true",
        "web,   kubernetes.io/h2c, true",
        "http,  '',                false",
        "web,   http,              false",
    })
    void http2UpstreamsGetHttp2ProtocolOptions(String name, String appProtocol, boolean http2) {
      XdsResources resources = translate(service("rpc", "greeter").port(name, 50051, appProtocol));

      Cluster cluster = resources.clusters().get(0);
      if (http2) {
        assertThat(cluster.getTypedExtensionProtocolOptionsMap()).containsOnlyKeys(ClusterFactory.HTTP_PROTOCOL_OPTIONS);
        HttpProtocolOptions options = unpack(
            cluster.getTypedExtensionProtocolOptionsMap().get(ClusterFactory.HTTP_PROTOCOL_OPTIONS),
            HttpProtocolOptions.class);
        assertThat(options.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
      } else {
        assertThat(cluster.getTypedExtensionProtocolOptionsMap()).isEmpty();
      }
    }

    @ParameterizedTest(name = "profile {0}")
    @ValueSource(strings = {"envoy", "grpc"})
    void everyServicePortHasAClusterLoadAssignmentEvenWithoutEndpoints(String profile) {
      XdsResources resources = translator.translate(model(richInventory()), profile(profile));

      assertThat(resources.endpoints()).extracting(ClusterLoadAssignment::getClusterName)
          .containsExactlyElementsOf(resources.clusters().stream().filter(c -> !c.getName().startsWith("mirror/"))
              .map(Cluster::getName).toList());
      assertThat(resources.endpoints()).extracting(ClusterLoadAssignment::getClusterName)
          .as("the assignments are exactly the EDS service names, mirror clusters sharing their target's")
          .containsExactlyInAnyOrderElementsOf(resources.clusters().stream()
              .map(c -> c.getEdsClusterConfig().getServiceName()).distinct().toList());
      assertThat(resources.endpoints()).filteredOn(cla -> cla.getEndpointsCount() == 0)
          .extracting(ClusterLoadAssignment::getClusterName).contains("shop/cart-v3:80");
    }

    @Test
    void everyLocalityGroupHasALocalityAndAWeight() {
      XdsResources resources = translator.translate(model(richInventory()), ENVOY);

      List<LocalityLbEndpoints> groups = resources.endpoints().stream()
          .flatMap(cla -> cla.getEndpointsList().stream()).toList();
      assertThat(groups).isNotEmpty().allSatisfy(group -> {
        assertThat(group.hasLocality()).isTrue();
        assertThat(group.hasLoadBalancingWeight()).isTrue();
        assertThat(group.getLoadBalancingWeight().getValue()).isEqualTo(group.getLbEndpointsCount()).isPositive();
      });
    }

    @Test
    void endpointsAreGroupedByZone() {
      XdsResources resources = translator.translate(model(richInventory()), ENVOY);

      ClusterLoadAssignment cart = resources.endpoints().stream()
          .filter(cla -> cla.getClusterName().equals(CART)).findFirst().orElseThrow();
      assertThat(cart.getEndpointsList()).extracting(g -> g.getLocality().getZone())
          .containsExactly("", "zone-a", "zone-b");
      assertThat(cart.getEndpointsList()).extracting(g -> g.getLbEndpointsList().stream()
              .map(e -> e.getEndpoint().getAddress().getSocketAddress())
              .map(a -> a.getAddress() + ":" + a.getPortValue()).toList())
          .containsExactly(List.of("10.0.0.9:8080"), List.of("10.0.0.1:8080", "10.0.0.2:8080"),
              List.of("10.0.0.3:8080"));
    }
  }

  @Nested
  @DisplayName("listeners per proxy profile")
  class Listeners {

    @Test
    void envoyGetsExactlyOneHttpListenerWithItsRouteConfiguration() {
      XdsResources resources = translator.translate(model(richInventory()), ENVOY);

      assertThat(resources.listeners()).singleElement().satisfies(listener -> {
        assertThat(listener.getName()).isEqualTo("shadow-mirroring-http-10000");
        assertThat(listener.getAddress().getSocketAddress()).isEqualTo(
            SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(10000).build());
        assertThat(listener.hasApiListener()).isFalse();
        HttpConnectionManager manager = unpack(
            listener.getFilterChains(0).getFilters(0).getTypedConfig(), HttpConnectionManager.class);
        assertThat(manager.getRds().getRouteConfigName()).isEqualTo("shadow-mirroring-http-10000");
        assertThat(manager.getHttpFiltersList()).extracting(f -> f.getName())
            .containsExactly("envoy.filters.http.router");
      });
      assertThat(resources.routes()).extracting(RouteConfiguration::getName)
          .containsExactly("shadow-mirroring-http-10000");
    }

    @Test
    void theEnvoyListenerIsNamedAfterItsPort() {
      XdsResources resources = translator.translate(model(richInventory()), ProxyProfile.envoy(8080));

      assertThat(resources.listeners()).extracting(Listener::getName).containsExactly("shadow-mirroring-http-8080");
      assertThat(resources.listeners().get(0).getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
    }

    @Test
    void grpcGetsOneApiListenerWithInlineRoutesPerServicePort() {
      XdsResources resources = translator.translate(
          model(inventory(cart().port("grpc", 50051), target("cart-v2"))), ProxyProfile.grpc());

      List<String> names = List.of("cart-v2.shop.svc.cluster.local:80", "cart.shop.svc.cluster.local:50051",
          "cart.shop.svc.cluster.local:80");
      assertThat(resources.listeners()).extracting(Listener::getName).containsExactlyElementsOf(names);
      assertThat(resources.listeners()).allSatisfy(listener -> {
        assertThat(listener.hasApiListener()).isTrue();
        assertThat(listener.hasAddress()).isFalse();
        HttpConnectionManager manager =
            unpack(listener.getApiListener().getApiListener(), HttpConnectionManager.class);
        assertThat(manager.getRouteConfig().getName()).isEqualTo(listener.getName());
        assertThat(manager.getRouteConfig().getVirtualHostsList()).singleElement()
            .satisfies(host -> assertThat(host.getDomainsList()).containsExactly(listener.getName()));
      });
      assertThat(resources.routes()).as("gRPC routes travel inline, not over RDS").isEmpty();
    }
  }

  @Nested
  @DisplayName("determinism and consistency")
  class Determinism {

    @ParameterizedTest(name = "profile {0}")
    @ValueSource(strings = {"envoy", "grpc"})
    void translatingTheSameModelTwiceGivesByteIdenticalOutput(String profile) throws IOException {
      MeshModel model = model(richInventory());

      XdsResources first = translator.translate(model, profile(profile));
      XdsResources second = new MeshTranslator().translate(model, profile(profile));

      assertThat(bytes(second)).isEqualTo(bytes(first));
      assertThat(yaml(second)).isEqualTo(yaml(first));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 42, 20240601})
    void shuffledInventoryInputGivesIdenticalOutput(long seed) throws IOException {
      Inventory ordered = richInventory();
      List<ServiceInput> services = new ArrayList<>(ordered.services());
      List<EndpointSliceInput> slices = new ArrayList<>(ordered.endpointSlices());
      Collections.shuffle(services, new Random(seed));
      Collections.shuffle(slices, new Random(seed + 1));

      for (ProxyProfile profile : List.of(ENVOY, ProxyProfile.grpc())) {
        XdsResources expected = translator.translate(model(ordered), profile);
        XdsResources shuffled = translator.translate(model(new Inventory(services, slices)), profile);

        assertThat(bytes(shuffled)).as("%s", profile).isEqualTo(bytes(expected));
        assertThat(ContentVersion.of(shuffled.routes())).isEqualTo(ContentVersion.of(expected.routes()));
      }
    }

    @ParameterizedTest(name = "profile {0}")
    @ValueSource(strings = {"envoy", "grpc"})
    void theTranslationIsAConsistentSnapshot(String profile) throws Exception {
      XdsResources resources = translator.translate(model(richInventory()), profile(profile));

      Snapshot snapshot = SnapshotFactory.consistentSnapshot(resources);

      assertThat(snapshot.clusters().resources()).hasSameSizeAs(resources.clusters());
      assertThat(snapshot.endpoints().resources()).hasSameSizeAs(resources.endpoints());
      assertThat(snapshot.listeners().resources()).hasSameSizeAs(resources.listeners());
      assertThat(snapshot.routes().resources()).hasSameSizeAs(resources.routes());
    }

    @Test
    void aSnapshotWithAClusterLackingItsEndpointsIsRefused() {
      XdsResources complete = translator.translate(model(richInventory()), ENVOY);
      XdsResources incomplete = new XdsResources(complete.clusters(),
          complete.endpoints().stream().filter(cla -> !cla.getClusterName().equals(CART)).toList(),
          complete.listeners(), complete.routes());

      assertThatThrownBy(() -> SnapshotFactory.consistentSnapshot(incomplete))
          .isInstanceOf(SnapshotConsistencyException.class)
          .hasMessageContaining("shop/cart:80");
    }

    @Test
    void aSnapshotWithAListenerLackingItsRoutesIsRefused() {
      XdsResources complete = translator.translate(model(richInventory()), ENVOY);
      XdsResources incomplete = new XdsResources(complete.clusters(), complete.endpoints(), complete.listeners(),
          List.of());

      assertThatThrownBy(() -> SnapshotFactory.consistentSnapshot(incomplete))
          .isInstanceOf(SnapshotConsistencyException.class)
          .hasMessageContaining("shadow-mirroring-http-10000");
    }

    @ParameterizedTest(name = "profile {0}")
    @ValueSource(strings = {"envoy", "grpc"})
    void aSnapshotWhoseRoutesNameAMissingMirrorClusterIsRefused(String profile) {
      XdsResources complete = translator.translate(model(richInventory()), profile(profile));
      String mirror = "mirror/shop/cart:80/shop/cart-v2:80";
      XdsResources incomplete = new XdsResources(
          complete.clusters().stream().filter(c -> !c.getName().equals(mirror)).toList(),
          complete.endpoints(), complete.listeners(), complete.routes());

      assertThatThrownBy(() -> SnapshotFactory.consistentSnapshot(incomplete))
          .isInstanceOf(SnapshotConsistencyException.class)
          .hasMessage("Clusters referenced by routes but missing: [mirror/shop/cart:80/shop/cart-v2:80]");
    }

    @ParameterizedTest(name = "profile {0}")
    @ValueSource(strings = {"envoy", "grpc"})
    void aMirrorClusterWhoseAssignmentIsMissingIsRefused(String profile) {
      XdsResources complete = translator.translate(model(richInventory()), profile(profile));
      String mirror = "mirror/shop/cart:80/shop/cart-v3:80";
      XdsResources dangling = new XdsResources(complete.clusters().stream()
          .map(c -> !c.getName().equals(mirror) ? c : c.toBuilder().setEdsClusterConfig(
              c.getEdsClusterConfig().toBuilder().setServiceName("shop/nowhere:80")).build())
          .toList(), complete.endpoints(), complete.listeners(), complete.routes());

      assertThatThrownBy(() -> SnapshotFactory.consistentSnapshot(dangling))
          .isInstanceOf(SnapshotConsistencyException.class)
          .hasMessageContaining("shop/nowhere:80");
    }

    @ParameterizedTest(name = "profile {0}")
    @ValueSource(strings = {"envoy", "grpc"})
    void anEmptyModelIsAConsistentSnapshotToo(String profile) throws Exception {
      XdsResources resources = translator.translate(MeshModel.empty(), profile(profile));

      assertThat(resources.clusters()).isEmpty();
      assertThatCode(() -> SnapshotFactory.consistentSnapshot(resources)).doesNotThrowAnyException();
    }
  }

  private static ProxyProfile profile(String name) {
    return name.equals("grpc") ? ProxyProfile.grpc() : ENVOY;
  }

  /** Every resource, serialized deterministically, in output order. */
  private static byte[] bytes(XdsResources resources) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (List<? extends Message> list : List.of(
        resources.listeners(), resources.routes(), resources.clusters(), resources.endpoints())) {
      for (Message message : list) {
        com.google.protobuf.CodedOutputStream coded = com.google.protobuf.CodedOutputStream.newInstance(out);
        coded.useDeterministicSerialization();
        message.writeTo(coded);
        coded.flush();
      }
    }
    return out.toByteArray();
  }

  private static String yaml(XdsResources resources) {
    return XdsYaml.toYaml(resources.listeners()) + XdsYaml.toYaml(resources.routes())
        + XdsYaml.toYaml(resources.clusters()) + XdsYaml.toYaml(resources.endpoints());
  }

  /** Several namespaces, ports, zones, mirrors and a cluster without endpoints. */
  private static Inventory richInventory() {
    return new Inventory(
        Stream.of(
            cart().mirrorTo("cart-v2,cart-v3=12.5").percentage("29").port("grpc", 50051),
            target("cart-v2").port("grpc", 50051),
            target("cart-v3").port("grpc", 50051),
            service("shop", "search").mirrorTo("staging/search").methods("GET").keepHost("true").port("http", 80),
            service("staging", "search").port("http", 80),
            service("staging", "cart").port("web", 8080).port("admin", 9000),
            service("ops", "gateway").port(8443))
            .map(ServiceBuilder::build).toList(),
        Stream.of(
            slice("shop", "cart-b", "cart").port("http", 8080).port("grpc", 9090)
                .ready("10.0.0.3", "zone-b").ready("10.0.0.1", "zone-a").notReady("10.0.0.4"),
            slice("shop", "cart-a", "cart").port("http", 8080).port("grpc", 9090)
                .ready("10.0.0.2", "zone-a").ready("10.0.0.9"),
            slice("shop", "cart-v2-a", "cart-v2").port("http", 8080).port("grpc", 9090).ready("10.1.0.1", "zone-a"),
            slice("shop", "search-a", "search").port("http", 8080).ready("10.2.0.1"),
            slice("staging", "search-a", "search").port("http", 8080).ready("10.3.0.1", "zone-c"),
            slice("staging", "cart-a", "cart").port("web", 8080).port("admin", 9001).ready("10.4.0.1"),
            slice("ops", "gateway-a", "gateway").port(8443).ready("10.5.0.1").ready("10.5.0.2"))
            .map(s -> s.build()).toList());
  }
}
