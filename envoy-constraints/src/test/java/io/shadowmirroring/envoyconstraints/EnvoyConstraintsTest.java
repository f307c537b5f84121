package io.shadowmirroring.envoyconstraints;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The helper can fail: each hand-made resource below breaks exactly one rule (starting from a valid
 * one) and is rejected with that rule's message and where it is.
 */
@DisplayName("EnvoyConstraints rejects what Envoy rejects, naming the rule and the place")
class EnvoyConstraintsTest {

  static Stream<Arguments> violations() {
    return Stream.of(
        arguments("min_len: a cluster without a name",
            cluster(c -> c.setName("")),
            "envoy.config.cluster.v3.Cluster: .envoy.config.cluster.v3.Cluster.name: length must be at least 1"),
        arguments("gt: a zero connect timeout",
            cluster(c -> c.setConnectTimeout(Duration.newBuilder().setSeconds(0))),
            ".envoy.config.cluster.v3.Cluster.connect_timeout: must be greater than"),
        arguments("enum defined_only: an lb_policy number Envoy does not define",
            cluster(c -> c.setLbPolicyValue(99)),
            ".envoy.config.cluster.v3.Cluster.lb_policy: value is not a defined Enum value"),
        arguments("min_items: a virtual host without domains",
            routes(r -> r.setVirtualHosts(0, r.getVirtualHosts(0).toBuilder().clearDomains())),
            ".envoy.config.route.v3.VirtualHost.domains: must have at least 1 items"),
        arguments("well_known_regex HTTP_HEADER_NAME (not strict: no NUL, CR or LF): a header name with a newline",
            routes(r -> r.setVirtualHosts(0, r.getVirtualHosts(0).toBuilder().addRequestHeadersToAdd(
                HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-bad\nname").setValue("v"))))),
            ".envoy.config.core.v3.HeaderValue.key: must match pattern ^[^\\x00\n\r]*$ - Got \"x-bad\nname\""),
        arguments("required: a route without a match",
            routes(r -> r.setVirtualHosts(0, r.getVirtualHosts(0).toBuilder().setRoutes(0,
                r.getVirtualHosts(0).getRoutes(0).toBuilder().clearMatch()))),
            ".envoy.config.route.v3.Route.match: is required"),
        arguments("a rule inside an unpacked typed_config: the connection manager without stat_prefix",
            listener(hcm -> hcm.setStatPrefix("")),
            "envoy.config.listener.v3.Listener.filter_chains[0].filters[0].typed_config"
                + "<envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager>: "
                + ".envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.stat_prefix: "
                + "length must be at least 1"),
        arguments("a rule two Anys deep: an http filter without a name",
            listener(hcm -> hcm.setHttpFilters(0, hcm.getHttpFilters(0).toBuilder().setName(""))),
            ".envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.name: length must be at least 1"),
        arguments("an Any of a type the helper does not know",
            listener(hcm -> hcm.setHttpFilters(0, hcm.getHttpFilters(0).toBuilder()
                .setTypedConfig(Any.pack(StringValue.of("router"))))),
            "http_filters[0].typed_config: Any of unknown type \"type.googleapis.com/google.protobuf.StringValue\""),
        arguments("an Any of an Envoy type outside the validated proto directories",
            listener(hcm -> hcm.setHttpFilters(0, hcm.getHttpFilters(0).toBuilder()
                .setTypedConfig(Any.pack(DiscoveryRequest.getDefaultInstance())))),
            "Any of unknown type \"type.googleapis.com/envoy.service.discovery.v3.DiscoveryRequest\""),
        arguments("an Any whose bytes are not its type",
            listener(hcm -> hcm.setHttpFilters(0, hcm.getHttpFilters(0).toBuilder()
                .setTypedConfig(Any.newBuilder().setTypeUrl(Any.pack(Router.getDefaultInstance()).getTypeUrl())
                    .setValue(ByteString.copyFromUtf8("\u00ff\u00ff"))))),
            "Any of type \"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\" does not parse"),
        arguments("an Any inside a map (typed_extension_protocol_options)",
            cluster(c -> c.putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                Any.pack(HttpProtocolOptions.getDefaultInstance()))),
            "typed_extension_protocol_options[envoy.extensions.upstreams.http.v3.HttpProtocolOptions].value"
                + "<envoy.extensions.upstreams.http.v3.HttpProtocolOptions>: "
                + ".envoy.extensions.upstreams.http.v3.HttpProtocolOptions.upstream_protocol_options: is required"),
        arguments("domains unique across virtual hosts (compared lower-cased, as Envoy does)",
            routes(r -> r.addVirtualHosts(VirtualHost.newBuilder().setName("other").addDomains("App.Example")
                .addRoutes(route()))),
            "Only unique values for domains are permitted. Duplicate entry of domain app.example in route local"),
        arguments("a single wildcard domain",
            routes(r -> r.setVirtualHosts(0, r.getVirtualHosts(0).toBuilder().addDomains("*"))
                .addVirtualHosts(VirtualHost.newBuilder().setName("other").addDomains("*").addRoutes(route()))),
            "Only a single wildcard domain is permitted in route local"),
        arguments("a safe_regex that RE2 does not compile (a backreference)",
            routes(r -> r.setVirtualHosts(0, r.getVirtualHosts(0).toBuilder().setRoutes(0,
                route().toBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/").addHeaders(
                    HeaderMatcher.newBuilder().setName(":method").setStringMatch(StringMatcher.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex("(GET)\\1")))))))),
            "headers[0].string_match.safe_regex.regex: not a valid RE2 regex \"(GET)\\1\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("violations")
  void rejectsEachKindOfViolationWithItsRule(String rule, Message resource, String message) {
    assertThatThrownBy(() -> EnvoyConstraints.assertValid(resource))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(message);
  }

  @Test
  void acceptsTheValidResourcesTheViolationsStartFrom() {
    assertThatCode(() -> {
      EnvoyConstraints.assertValid(cluster(c -> c));
      EnvoyConstraints.assertValid(routes(r -> r));
      EnvoyConstraints.assertValid(listener(hcm -> hcm));
      EnvoyConstraints.assertValid(cluster(c -> c.putTypedExtensionProtocolOptions(
          "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
          Any.pack(HttpProtocolOptions.newBuilder().setExplicitHttpConfig(
              HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                  .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance())).build()))));
    }).doesNotThrowAnyException();
  }

  @Test
  void theSameDomainInOneRouteConfigurationOnceIsFine() {
    // A wildcard suffix and the plain name differ for Envoy; so do the same name with and without a port.
    RouteConfiguration routes = routes(r -> r.setVirtualHosts(0, r.getVirtualHosts(0).toBuilder()
        .addDomains("app.example:80"))
        .addVirtualHosts(VirtualHost.newBuilder().setName("other").addDomains("*.app.example").addRoutes(route())));
    assertThatCode(() -> EnvoyConstraints.assertValid(routes)).doesNotThrowAnyException();
  }

  @Test
  void everyRuleMessageNamesTheResourceType() {
    assertThat(violations()).allSatisfy(arguments -> {
      Message resource = (Message) arguments.get()[1];
      assertThatThrownBy(() -> EnvoyConstraints.assertValid(resource))
          .hasMessageStartingWith(resource.getDescriptorForType().getFullName());
    });
  }

  private static Cluster cluster(UnaryOperator<Cluster.Builder> change) {
    return change.apply(Cluster.newBuilder()
        .setName("shadow-demo/app-service:80")
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()))
        .setConnectTimeout(Duration.newBuilder().setSeconds(5))).build();
  }

  private static Route route() {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster("shadow-demo/app-service:80"))
        .build();
  }

  private static RouteConfiguration routes(UnaryOperator<RouteConfiguration.Builder> change) {
    return change.apply(RouteConfiguration.newBuilder()
        .setName("local")
        .addVirtualHosts(VirtualHost.newBuilder().setName("app").addDomains("app.example").addRoutes(route())))
        .build();
  }

  private static Listener listener(UnaryOperator<HttpConnectionManager.Builder> change) {
    HttpConnectionManager hcm = change.apply(HttpConnectionManager.newBuilder()
        .setStatPrefix("ingress_http")
        .setRds(Rds.newBuilder().setRouteConfigName("local").setConfigSource(ads()))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))).build();
    return Listener.newBuilder()
        .setName("http")
        .setAddress(Address.newBuilder().setSocketAddress(
            SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(10000)))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager")
            .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3).build();
  }
}
