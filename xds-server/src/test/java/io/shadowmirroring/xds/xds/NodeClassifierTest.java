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

  @ParameterizedTest(name = "{0}")
  @CsvSource({"gRPC Java", "gRPC Go"})
  void proxylessGrpcClientsShareOneProfileWhateverTheirMetadata(String agent) {
    Node node = node("15001", "sidecar", "shop").toBuilder().setUserAgentName(agent).build();

    assertThat(classifier.hash(node)).isEqualTo(ProxyProfile.grpc());
    assertThat(classifier.problems(node)).isEmpty();
    assertThat(ProxyProfile.envoy(10000)).isEqualTo(ProxyProfile.envoy(10000, Role.EDGE, ""));
  }
}
