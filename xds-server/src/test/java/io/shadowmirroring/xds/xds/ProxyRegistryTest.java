package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ProxyRegistryTest {
  private final ProxyRegistry registry =
      new ProxyRegistry(new NodeClassifier(10_000), new SimpleMeterRegistry(), Clock.systemUTC());

  private static Node node(String id, String role) {
    return Node.newBuilder().setId(id).setCluster("edge").setUserAgentName("envoy")
        .setMetadata(Struct.newBuilder()
            .putFields(NodeClassifier.ROLE_METADATA, Value.newBuilder().setStringValue(role).build()))
        .build();
  }

  private Node identified(Node node) {
    ProxyStream stream = registry.open(false);
    registry.identify(stream, node);
    return stream.node().orElseThrow();
  }

  @Test
  @DisplayName("streams whose nodes have equal metadata share one metadata Struct, and keep their own node")
  void equalMetadataIsShared() {
    Node first = identified(node("envoy-1", "edge"));
    Node second = identified(node("envoy-2", "edge"));
    Node other = identified(node("envoy-3", "sidecar"));
    assertThat(second).isEqualTo(node("envoy-2", "edge"));
    assertThat(second.getMetadata()).isSameAs(first.getMetadata());
    assertThat(other.getMetadata()).isNotSameAs(first.getMetadata())
        .isEqualTo(node("envoy-3", "sidecar").getMetadata());
  }

  @Test
  @DisplayName("large metadata is not kept for sharing")
  void largeMetadataIsNotShared() {
    String large = "x".repeat(ProxyRegistry.METADATA_SHARED_BYTES);
    Node first = identified(node("envoy-1", large));
    Node second = identified(node("envoy-2", large));
    assertThat(second.getMetadata()).isNotSameAs(first.getMetadata()).isEqualTo(first.getMetadata());
  }
}
