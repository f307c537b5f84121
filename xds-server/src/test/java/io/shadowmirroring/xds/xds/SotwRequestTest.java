package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.StatusRuntimeException;
import io.shadowmirroring.xds.testing.AdsTestClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A SotW request split into its encoded names and the rest ({@link SotwRequest}). */
class SotwRequestTest {
  private static final String EDS = AdsTestClient.EDS;

  private static DiscoveryRequest request(List<String> names) {
    return DiscoveryRequest.newBuilder().setNode(AdsTestClient.envoyNode("n")).setTypeUrl(EDS)
        .setVersionInfo("v1").setResponseNonce("7").addAllResourceNames(names).build();
  }

  /** The request's bytes and one more name, {@code C3 28}: protobuf's builders refuse to make it. */
  static byte[] withNameNotUtf8(DiscoveryRequest request) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(request.toByteArray());
    bytes.writeBytes(new byte[] {DiscoveryRequest.RESOURCE_NAMES_FIELD_NUMBER << 3 | 2, 2, (byte) 0xC3, 0x28});
    return bytes.toByteArray();
  }

  @Test
  @DisplayName("the split keeps every field: the rest without names, the names decoded as sent, in order")
  void splitKeepsEverything() throws Exception {
    for (List<String> names : List.of(List.<String>of(), List.of("b", "a", "a"),
        IntStream.range(0, 1000).mapToObj(i -> "outbound|8080||svc-" + i + ".ns.svc.cluster.local").toList())) {
      DiscoveryRequest original = request(names);

      SotwRequest split = SotwRequest.parse(original.toByteArray());

      assertThat(split.message()).isEqualTo(original.toBuilder().clearResourceNames().clearNode().build());
      assertThat(split.hasNode()).isTrue();
      assertThat(split.node()).isEqualTo(original.getNode());
      assertThat(split.namesCount()).isEqualTo(names.size());
      assertThat(split.names()).containsExactlyElementsOf(names);
      SotwRequest again = new SotwRequest.Marshaller().parse(new SotwRequest.Marshaller().stream(split));
      assertThat(again.names()).as("marshalled and parsed again").containsExactlyElementsOf(names);
      assertThat(again.node()).as("marshalled and parsed again").isEqualTo(original.getNode());
      assertThat(again.message()).as("marshalled and parsed again").isEqualTo(split.message());
    }
  }

  @Test
  @DisplayName("the node is kept as bytes wherever it is on the wire, and decoded when asked for: a node in two "
      + "fields merges as protobuf merges them; none is the default node")
  void nodeKeptAsBytes() throws Exception {
    DiscoveryRequest original = request(List.of("a", "b"));
    Node node = original.getNode();
    byte[] rest = original.toBuilder().clearNode().build().toByteArray();
    byte[] nodeField = DiscoveryRequest.newBuilder().setNode(node).build().toByteArray();
    ByteArrayOutputStream nodeLast = new ByteArrayOutputStream();
    nodeLast.write(rest);
    nodeLast.write(nodeField);
    // The node split in two fields ("id" in the first, the rest in the second), the names between them.
    ByteArrayOutputStream split = new ByteArrayOutputStream();
    split.write(DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId(node.getId())).build().toByteArray());
    split.write(rest);
    split.write(DiscoveryRequest.newBuilder().setNode(node.toBuilder().clearId()).build().toByteArray());

    for (byte[] bytes : List.of(original.toByteArray(), nodeLast.toByteArray(), split.toByteArray())) {
      SotwRequest parsed = SotwRequest.parse(bytes);
      assertThat(parsed.node()).isEqualTo(node);
      assertThat(parsed.names()).containsExactly("a", "b");
      assertThat(parsed.message()).isEqualTo(original.toBuilder().clearNode().clearResourceNames().build());
      assertThat(DiscoveryRequest.parseFrom(new SotwRequest.Marshaller().stream(parsed)))
          .as("marshalled").isEqualTo(original);
    }
    SotwRequest none = SotwRequest.parse(original.toBuilder().clearNode().build().toByteArray());
    assertThat(none.hasNode()).isFalse();
    assertThat(none.node()).isEqualTo(Node.getDefaultInstance());
  }

  @Test
  @DisplayName("equal encoded names hash equal by their sample; lists that differ in one byte, anywhere, mostly do not")
  void sampleHash() throws Exception {
    List<String> names = IntStream.range(0, 1000).mapToObj(i -> "outbound|8080||svc-" + i + ".ns.svc.cluster.local")
        .toList();
    SotwRequest one = SotwRequest.parse(request(names).toByteArray());
    assertThat(SotwRequest.parse(request(names).toByteArray()).namesSampleHash()).isEqualTo(one.namesSampleHash());
    byte[] wire = one.namesBytes();
    assertThat(SotwRequest.sampleHash(wire, 0, wire.length)).isEqualTo(one.namesSampleHash());
    assertThat(SotwRequest.parse(request(names.subList(0, 999)).toByteArray()).namesSampleHash())
        .as("a name less").isNotEqualTo(one.namesSampleHash());
    List<String> lastChanged = new java.util.ArrayList<>(names);
    lastChanged.set(999, "outbound|8080||svc-999.ns.svc.cluster.locaX");
    assertThat(SotwRequest.parse(request(lastChanged).toByteArray()).namesSampleHash())
        .as("the last byte changed").isNotEqualTo(one.namesSampleHash());
  }

  @Test
  @DisplayName("equal names give equal bytes wherever the other fields are on the wire; other names, other order "
      + "or a name more give other bytes")
  void namesBytesCompare() throws Exception {
    byte[] names = DiscoveryRequest.newBuilder().addAllResourceNames(List.of("a", "b")).build().toByteArray();
    byte[] rest = request(List.of()).toByteArray();
    ByteArrayOutputStream namesFirst = new ByteArrayOutputStream();
    namesFirst.write(names);
    namesFirst.write(rest);

    byte[] reference = SotwRequest.parse(request(List.of("a", "b")).toByteArray()).namesBytes();

    // Names among the other fields: "a", the rest, then "b".
    ByteArrayOutputStream interleaved = new ByteArrayOutputStream();
    interleaved.write(DiscoveryRequest.newBuilder().addResourceNames("a").build().toByteArray());
    interleaved.write(rest);
    interleaved.write(DiscoveryRequest.newBuilder().addResourceNames("b").build().toByteArray());

    for (byte[] same : List.of(request(List.of("a", "b")).toByteArray(), namesFirst.toByteArray(),
        interleaved.toByteArray())) {
      SotwRequest parsed = SotwRequest.parse(same);
      assertThat(parsed.namesBytes()).isEqualTo(reference);
      assertThat(parsed.namesEqual(reference)).isTrue();
      assertThat(parsed.message()).isEqualTo(request(List.of()).toBuilder().clearNode().build());
      assertThat(parsed.names()).containsExactly("a", "b");
    }
    for (List<String> other : List.<List<String>>of(List.of("b", "a"), List.of("a", "b", "b"), List.of("a", "c"), List.of("a"),
        List.<String>of())) {
      SotwRequest parsed = SotwRequest.parse(request(other).toByteArray());
      assertThat(parsed.namesBytes()).as("%s", other).isNotEqualTo(reference);
      assertThat(parsed.namesEqual(reference)).as("%s", other).isFalse();
    }
  }

  @Test
  @DisplayName("bytes that are not a request fail to parse (the marshaller: INTERNAL, as grpc-java's own); "
      + "a name that is not UTF-8 fails when the names are decoded")
  void badInput() throws Exception {
    byte[] truncated = java.util.Arrays.copyOf(request(List.of("a", "b")).toByteArray(), 20);
    assertThatThrownBy(() -> SotwRequest.parse(truncated)).isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> new SotwRequest.Marshaller().parse(new ByteArrayInputStream(truncated)))
        .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("INTERNAL");

    SotwRequest split = SotwRequest.parse(withNameNotUtf8(request(List.of("a"))));
    assertThat(split.namesCount()).isEqualTo(2);
    assertThatThrownBy(split::names).isInstanceOf(InvalidProtocolBufferException.class);
  }
}
