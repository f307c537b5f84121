package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.ProxyProfile.Role;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Node metadata to snapshot group: listener port, role and namespace, with a one-line reason for each bad value. */
class NodeClassifierTest {
  private final NodeClassifier classifier = new NodeClassifier(10000);

  private static Node node(String port, String role, String namespace) {
    Struct.Builder metadata = Struct.newBuilder();
    if (!port.isEmpty()) {
      metadata.putFields(NodeClassifier.LISTENER_PORT_METADATA, Value.newBuilder().setStringValue(port).build());
    }
    if (!role.isEmpty()) {
      metadata.putFields(NodeClassifier.ROLE_METADATA, Value.newBuilder().setStringValue(role).build());
    }
    if (!namespace.isEmpty()) {
      metadata.putFields(NodeClassifier.NAMESPACE_METADATA, Value.newBuilder().setStringValue(namespace).build());
    }
    return Node.newBuilder().setId("n").setUserAgentName("envoy").setMetadata(metadata).build();
  }

  @ParameterizedTest(name = "port={0} role={1} namespace={2} -> {3}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "''    | ''      | ''          | envoy:10000/edge          | -",
      "15001 | sidecar | shop        | envoy:15001/sidecar/shop  | -",
      "''    | EDGE    | team-a      | envoy:10000/edge/team-a   | -",
      "''    | gateway | ''          | envoy:10000/edge          | shadow-mirroring.io/role=gateway is not edge or sidecar; using edge",
      "''    | ''      | Not_A_Name  | envoy:10000/edge          | shadow-mirroring.io/namespace=Not_A_Name is not a namespace name; using none",
      "99999 | ''      | ''          | envoy:10000/edge          | shadow-mirroring.io/listener-port=99999 is not a port from 1 to 65535; using 10000",
  })
  void classifies(String port, String role, String namespace, String profile, String problem) {
    Node node = node(port, role, namespace);

    assertThat(classifier.hash(node)).hasToString(profile);
    assertThat(classifier.problems(node)).isEqualTo(problem == null ? List.of() : List.of(problem));
  }

  private static Node withNamespaces(Value value) {
    return Node.newBuilder().setId("n").setUserAgentName("envoy").setMetadata(Struct.newBuilder()
        .putFields(NodeClassifier.NAMESPACES_METADATA, value)).build();
  }

  @ParameterizedTest(name = "namespaces={0} -> {1}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "shop             | envoy:10000/edge[shop]      | -",
      "'b, a,a'         | envoy:10000/edge[a,b]       | -",
      "'a,Not_A_Name'   | envoy:10000/edge[]          | shadow-mirroring.io/namespaces=a,Not_A_Name: \"Not_A_Name\" is not a namespace name; serving no Services",
      "''               | envoy:10000/edge[]          | shadow-mirroring.io/namespaces=: \"\" is not a namespace name; serving no Services",
  })
  void narrowsToNamespacesAndFailsClosed(String value, String profile, String problem) {
    Node node = withNamespaces(Value.newBuilder().setStringValue(value).build());

    assertThat(classifier.hash(node)).hasToString(profile);
    assertThat(classifier.problems(node)).isEqualTo(problem == null ? List.of() : List.of(problem));
  }

  @org.junit.jupiter.api.Test
  void namespacesMayBeAListAndAreBounded() {
    Value list = Value.newBuilder().setListValue(com.google.protobuf.ListValue.newBuilder()
        .addValues(Value.newBuilder().setStringValue("b")).addValues(Value.newBuilder().setStringValue("a"))).build();
    assertThat(classifier.hash(withNamespaces(list)).namespaces()).containsExactly("a", "b");
    assertThat(classifier.hash(withNamespaces(Value.newBuilder().setStringValue("b,a").build())))
        .as("the same namespaces in another order are the same profile").isEqualTo(classifier.hash(withNamespaces(list)));

    String tooMany = String.join(",", java.util.stream.IntStream.rangeClosed(0, ProxyProfile.MAX_NAMESPACES)
        .mapToObj(i -> "ns-" + i).toList());
    Node node = withNamespaces(Value.newBuilder().setStringValue(tooMany).build());
    assertThat(classifier.hash(node).namespaces()).isEqualTo(ProxyProfile.NO_NAMESPACES);
    assertThat(classifier.problems(node)).containsExactly(NodeClassifier.NAMESPACES_METADATA + "=" + tooMany
        + ": more than 32 namespaces; serving no Services");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"gRPC Java", "gRPC Go"})
  void proxylessGrpcClientsShareOneProfileWhateverTheirMetadata(String agent) {
    Node node = node("15001", "sidecar", "shop").toBuilder().setUserAgentName(agent).build();

    assertThat(classifier.hash(node)).isEqualTo(ProxyProfile.grpc());
    assertThat(classifier.problems(node)).isEmpty();
    assertThat(ProxyProfile.envoy(10000)).isEqualTo(ProxyProfile.envoy(10000, Role.EDGE, ""));
  }

  private static Node withRuntime(Value value) {
    return Node.newBuilder().setId("n").setUserAgentName("envoy").setMetadata(Struct.newBuilder()
        .putFields(NodeClassifier.RUNTIME_METADATA, value)).build();
  }

  @ParameterizedTest(name = "runtime={0} -> {1}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "rtds   | envoy:10000/edge+rtds | -",
      "' RTDS'| envoy:10000/edge+rtds | -",
      "disk   | envoy:10000/edge      | shadow-mirroring.io/runtime=disk is not rtds; mirror percentages stay in the routes",
      "''     | envoy:10000/edge      | shadow-mirroring.io/runtime= is not rtds; mirror percentages stay in the routes",
  })
  void aProxyWhoseBootstrapHasTheRuntimeLayerSaysSoAndGetsPercentagesThere(String value, String profile,
      String problem) {
    Node node = withRuntime(Value.newBuilder().setStringValue(value).build());

    assertThat(classifier.hash(node)).hasToString(profile);
    assertThat(classifier.hash(node).runtimeLayer()).isEqualTo(profile.endsWith("+rtds"));
    assertThat(classifier.problems(node)).isEqualTo(problem == null ? List.of() : List.of(problem));
  }

  @org.junit.jupiter.api.Test
  void proxylessGrpcClientsNeverGetTheRuntimeLayer() {
    Node node = withRuntime(Value.newBuilder().setStringValue("rtds").build()).toBuilder()
        .setUserAgentName("gRPC Java").build();

    assertThat(classifier.hash(node)).isEqualTo(ProxyProfile.grpc());
  }
}
