package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
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

      assertThat(split.message()).isEqualTo(original.toBuilder().clearResourceNames().build());
      assertThat(split.namesCount()).isEqualTo(names.size());
      assertThat(split.names()).containsExactlyElementsOf(names);
      assertThat(new SotwRequest.Marshaller().parse(new SotwRequest.Marshaller().stream(split)).names())
          .as("marshalled and parsed again").containsExactlyElementsOf(names);
    }
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
      assertThat(parsed.message()).isEqualTo(request(List.of()));
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
