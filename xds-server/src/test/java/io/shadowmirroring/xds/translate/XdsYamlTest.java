package io.shadowmirroring.xds.translate;

import static io.shadowmirroring.xds.Fixtures.inventory;
import static io.shadowmirroring.xds.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

@DisplayName("XdsYaml: xDS resources as Envoy-style JSON and YAML")
class XdsYamlTest {

  private static XdsResources resources(ProxyProfile profile) {
    return new MeshTranslator().translate(new MeshModelBuilder().build(inventory(
        service("shop", "cart").mirrorTo("cart-v2=12.5").methods("GET").keepHost("true").port("http", 80),
        service("shop", "cart-v2").port("http", 80).port("grpc", 50051))).model(), profile);
  }

  private static ProxyProfile profile(String name) {
    return name.equals("grpc") ? ProxyProfile.grpc() : ProxyProfile.envoy(10000);
  }

  @Test
  void jsonUsesProtoFieldNamesAndExpandsAnyWithItsType() {
    String json = XdsYaml.toJson(resources(ProxyProfile.envoy(10000)).listeners().get(0));

    assertThat(json)
        .contains("\"filter_chains\"", "\"stat_prefix\": \"shadow_mirroring_http_10000\"",
            "\"@type\": \"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
                + ".HttpConnectionManager\"",
            "\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"")
        .doesNotContain("filterChains");
  }

  @Test
  void anAnyOfAnUnregisteredTypeIsRefused() {
    Cluster cluster = Cluster.newBuilder().setName("x")
        .putTypedExtensionProtocolOptions("k", Any.newBuilder().setTypeUrl("type.googleapis.com/example.Unknown").build())
        .build();

    assertThatThrownBy(() -> XdsYaml.toJson(cluster))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cannot print envoy.config.cluster.v3.Cluster as JSON: ");
  }

  @Test
  void yamlIsABlockListStartingInColumnZeroWithPseudoHeadersQuoted() {
    String yaml = XdsYaml.toYaml(resources(ProxyProfile.envoy(10000)).routes());

    assertThat(yaml).startsWith("- name: shadow-mirroring-http-10000\n  virtual_hosts:\n    - name: shop_cart_80\n      domains:\n")
        .contains("- name: ':method'\n", "disable_shadow_host_suffix_append: true\n", "numerator: 125000\n",
            "denominator: MILLION\n")
        .doesNotContain("{\"", "\t");
  }

  @Test
  void anEmptyListIsAnEmptyYamlList() {
    assertThat(XdsYaml.toYaml(List.of())).isEqualTo("[]\n");
  }

  @ParameterizedTest(name = "profile {0}")
  @ValueSource(strings = {"envoy", "grpc"})
  void theYamlReadsBackIntoTheSameResources(String profile) throws Exception {
    XdsResources resources = resources(profile(profile));
    List<List<? extends Message>> groups = List.of(
        resources.listeners(), resources.routes(), resources.clusters(), resources.endpoints());

    for (List<? extends Message> group : groups) {
      List<?> items = new Yaml(new SafeConstructor(new LoaderOptions())).load(XdsYaml.toYaml(group));
      List<Message> readBack = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        Message.Builder builder = group.get(i).newBuilderForType();
        JsonFormat.parser().usingTypeRegistry(XdsYaml.TYPE_REGISTRY).merge(new Gson().toJson(items.get(i)), builder);
        readBack.add(builder.build());
      }
      assertThat(readBack).isEqualTo(group);
    }
  }

  @Test
  void printingIsStable() {
    List<RouteConfiguration> routes = resources(ProxyProfile.envoy(10000)).routes();

    assertThat(XdsYaml.toYaml(routes)).isEqualTo(XdsYaml.toYaml(List.copyOf(routes)));
  }
}
