package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.HandMadeResources.assignment;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.shadowmirroring.xds.translate.XdsResources;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Response bodies shared by streams: the same response is built once, and different ones never share. */
class ResponseBodiesTest {
  private final ResourceSet set = new ResourcePreparer().prepare("p", new XdsResources(List.of(),
      List.of(assignment("a", "10.0.0.1"), assignment("b", "10.0.0.2")), List.of(), List.of()));
  private final List<PreparedResource> both = List.copyOf(set.resources(XdsTypes.ENDPOINT).values());

  @Test
  @DisplayName("a delta body with a stream's nonce after it is the response serialized whole")
  void deltaBodyWithNonce() throws Exception {
    byte[] body = new ResponseBodies().delta(XdsTypes.ENDPOINT, "v1", both, List.of("gone"));
    WireResponse wire = WireResponse.withNonce(body, "17");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(wire.body());
    bytes.write(wire.tail());

    DeltaDiscoveryResponse response = DeltaDiscoveryResponse.parseFrom(bytes.toByteArray());

    assertThat(response).isEqualTo(DeltaDiscoveryResponse.newBuilder().setSystemVersionInfo("v1")
        .setTypeUrl(XdsTypes.ENDPOINT).setNonce("17").addRemovedResources("gone")
        .addResources(io.envoyproxy.envoy.service.discovery.v3.Resource.newBuilder().setName("a")
            .setVersion(both.get(0).hash()).setResource(both.get(0).any()))
        .addResources(io.envoyproxy.envoy.service.discovery.v3.Resource.newBuilder().setName("b")
            .setVersion(both.get(1).hash()).setResource(both.get(1).any()))
        .build());
  }

  @Test
  @DisplayName("equal deltas share one body; other resources, removals or versions do not")
  void sharedOnlyWhenEqual() {
    ResponseBodies bodies = new ResponseBodies();
    byte[] first = bodies.delta(XdsTypes.ENDPOINT, "v1", both, List.of("ab", "c"));

    assertThat(bodies.delta(XdsTypes.ENDPOINT, "v1", List.copyOf(both), List.of("ab", "c"))).isSameAs(first);
    assertThat(bodies.delta(XdsTypes.ENDPOINT, "v1", both, List.of("a", "bc"))).isNotSameAs(first);
    assertThat(bodies.delta(XdsTypes.ENDPOINT, "v1", both.subList(0, 1), List.of("ab", "c"))).isNotSameAs(first);
    assertThat(bodies.delta(XdsTypes.ENDPOINT, "v2", both, List.of("ab", "c"))).isNotSameAs(first);
    assertThat(bodies.delta(XdsTypes.CLUSTER, "v1", both, List.of("ab", "c"))).isNotSameAs(first);
  }
}
