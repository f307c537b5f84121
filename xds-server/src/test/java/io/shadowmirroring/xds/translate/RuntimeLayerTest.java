package io.shadowmirroring.xds.translate;

import static io.shadowmirroring.xds.Fixtures.inventory;
import static io.shadowmirroring.xds.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.shadowmirroring.envoyconstraints.EnvoyConstraints;
import io.shadowmirroring.xds.Fixtures.ServiceBuilder;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.xds.ContentVersion;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("The RTDS layer: mirror percentages for proxies whose bootstrap has it")
class RuntimeLayerTest {
  private static final ProxyProfile PLAIN = ProxyProfile.envoy(10000);
  private static final ProxyProfile RTDS = PLAIN.withRuntimeLayer(true);
  private static final String CART_KEY = "shadow_mirroring.shop.cart.80.mirror.shop.cart-v2.80";
  private static final String CART_V3_KEY = "shadow_mirroring.shop.cart.80.mirror.shop.cart-v3.80";

  private static ServiceBuilder cart() {
    return service("shop", "cart").port("http", 80);
  }

  private static ServiceBuilder target(String name) {
    return service("shop", name).port("http", 80);
  }

  private static MeshModel model(ServiceBuilder... services) {
    return new MeshModelBuilder().build(inventory(services)).model();
  }

  private static XdsResources translate(ProxyProfile profile, ServiceBuilder... services) {
    return new MeshTranslator().translate(model(services), profile);
  }

  private static Value share(int millionths) {
    return Value.newBuilder().setStructValue(Struct.newBuilder()
        .putFields("numerator", Value.newBuilder().setNumberValue(millionths).build())
        .putFields("denominator", Value.newBuilder().setStringValue("MILLION").build())).build();
  }

  private static List<RouteAction.RequestMirrorPolicy> mirrorPolicies(XdsResources resources) {
    return resources.routes().get(0).getVirtualHostsList().stream()
        .filter(h -> h.getName().equals("shop_cart_80")).findFirst().orElseThrow()
        .getRoutes(0).getRoute().getRequestMirrorPoliciesList();
  }

  @ParameterizedTest(name = "{0}% is '{'numerator: {1}, denominator: \"MILLION\"'}' under the mirror's key")
  @CsvSource({
      "29,      290000",
      "12.5,    125000",
      "100,     1000000",
      "0.0001,  1",
      "33.3333, 333333",
      "0,       0",
  })
  void eachMirrorsShareIsAFractionalPercentStructWithTheDenominatorsEnumName(String percent, int numerator) {
    XdsResources resources = translate(RTDS, cart().mirrorTo("cart-v2").percentage(percent), target("cart-v2"));

    assertThat(resources.runtimes()).singleElement().satisfies(runtime -> {
      assertThat(runtime.getName()).isEqualTo(ResourceNames.RUNTIME_LAYER).isEqualTo("shadow-mirroring");
      // Exactly two fields: Envoy ignores a struct with any other field and falls back to the route's default.
      assertThat(runtime.getLayer().getFieldsMap()).containsExactly(Map.entry(CART_KEY, share(numerator)));
    });
  }

  @Test
  void theRoutesCarryTheFixedDefaultZeroAndTheSameRuntimeKeys() {
    XdsResources resources = translate(RTDS, cart().mirrorTo("cart-v2,cart-v3=12.5").percentage("29"),
        target("cart-v2"), target("cart-v3"));

    assertThat(mirrorPolicies(resources)).extracting(m -> m.getRuntimeFraction().getRuntimeKey())
        .containsExactly(CART_KEY, CART_V3_KEY);
    assertThat(mirrorPolicies(resources)).allSatisfy(m -> assertThat(m.getRuntimeFraction().getDefaultValue())
        .isEqualTo(FractionalPercent.newBuilder().setNumerator(0)
            .setDenominator(FractionalPercent.DenominatorType.MILLION).build()));
    assertThat(resources.runtimes().get(0).getLayer().getFieldsMap())
        .containsOnlyKeys(mirrorPolicies(resources).stream().map(m -> m.getRuntimeFraction().getRuntimeKey())
            .toArray(String[]::new))
        .containsEntry(CART_KEY, share(290000))
        .containsEntry(CART_V3_KEY, share(125000));
  }

  static Stream<Arguments> edits() {
    return Stream.of(
        Arguments.of("mirror-percentage 29 to 30", cart().mirrorTo("cart-v2").percentage("29"),
            cart().mirrorTo("cart-v2").percentage("30")),
        Arguments.of("per-target =12.5 to =0.0001", cart().mirrorTo("cart-v2=12.5"),
            cart().mirrorTo("cart-v2=0.0001")),
        Arguments.of("100 (default) to 0", cart().mirrorTo("cart-v2"), cart().mirrorTo("cart-v2").percentage("0")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  void aPercentageEditChangesOnlyTheRuntimeLayerForAnRtdsProfile(String edit, ServiceBuilder before,
      ServiceBuilder after) {
    MeshTranslator kept = new MeshTranslator();
    XdsResources first = kept.translate(model(before, target("cart-v2")), RTDS);
    XdsResources second = kept.translate(model(after, target("cart-v2")), RTDS);

    assertThat(ContentVersion.of(second.listeners())).isEqualTo(ContentVersion.of(first.listeners()));
    assertThat(ContentVersion.of(second.routes())).isEqualTo(ContentVersion.of(first.routes()));
    assertThat(ContentVersion.of(second.clusters())).isEqualTo(ContentVersion.of(first.clusters()));
    assertThat(ContentVersion.of(second.endpoints())).isEqualTo(ContentVersion.of(first.endpoints()));
    assertThat(second.routes()).isEqualTo(first.routes());
    assertThat(ContentVersion.of(second.runtimes())).isNotEqualTo(ContentVersion.of(first.runtimes()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edits")
  void withoutTheLayerAPercentageEditChangesTheRoutesAsBefore(String edit, ServiceBuilder before,
      ServiceBuilder after) {
    XdsResources first = translate(PLAIN, before, target("cart-v2"));
    XdsResources second = translate(PLAIN, after, target("cart-v2"));

    assertThat(first.runtimes()).isEmpty();
    assertThat(second.runtimes()).isEmpty();
    assertThat(ContentVersion.of(second.routes())).isNotEqualTo(ContentVersion.of(first.routes()));
  }

  @Test
  void withoutTheLayerTheRouteDefaultIsTheCurrentShare() {
    XdsResources resources = translate(PLAIN, cart().mirrorTo("cart-v2").percentage("12.5"), target("cart-v2"));

    assertThat(mirrorPolicies(resources)).singleElement()
        .satisfies(m -> assertThat(m.getRuntimeFraction().getDefaultValue().getNumerator()).isEqualTo(125000));
  }

  @Test
  void theLayerIsServedEvenWithNothingMirroredBecauseEnvoyWaitsForIt() {
    XdsResources resources = translate(RTDS, cart(), target("cart-v2"));

    assertThat(resources.runtimes()).singleElement().satisfies(runtime -> {
      assertThat(runtime.getName()).isEqualTo("shadow-mirroring");
      assertThat(runtime.getLayer().getFieldsMap()).isEmpty();
    });
  }

  @Test
  void onlyMirrorsOfRoutesTheProxyHasAreInItsLayer() {
    ProxyProfile narrowed = ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, "", List.of("shop"), true);
    XdsResources resources = translate(narrowed, cart().mirrorTo("cart-v2"), target("cart-v2"),
        service("other", "api").port("http", 80).mirrorTo("shop/cart-v2"));

    assertThat(resources.runtimes().get(0).getLayer().getFieldsMap()).containsOnlyKeys(CART_KEY);
  }

  @Test
  void grpcClientsHaveNoRuntimeSoNeverGetTheLayer() {
    ProxyProfile grpc = new ProxyProfile(ProxyProfile.Kind.GRPC, 0, ProxyProfile.Role.EDGE, "", List.of(), true);

    assertThat(grpc.runtimeLayer()).isFalse();
    assertThat(grpc).isEqualTo(ProxyProfile.grpc());
    assertThat(translate(grpc, cart().mirrorTo("cart-v2"), target("cart-v2")).runtimes()).isEmpty();
  }

  @Test
  void theLayerIsAProfileOfItsOwnAndSaysSoInItsName() {
    assertThat(RTDS).isNotEqualTo(PLAIN);
    assertThat(RTDS.toString()).isEqualTo("envoy:10000/edge+rtds");
    assertThat(PLAIN.toString()).isEqualTo("envoy:10000/edge");
  }

  @Test
  void theLayerPassesEnvoysProtoConstraints() {
    Runtime runtime = translate(RTDS, cart().mirrorTo("cart-v2=12.5"), target("cart-v2")).runtimes().get(0);

    EnvoyConstraints.assertValid(runtime);
  }
}
