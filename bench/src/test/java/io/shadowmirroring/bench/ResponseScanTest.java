package io.shadowmirroring.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the load client reads from raw bytes equals what the parsed protos say. */
class ResponseScanTest {
  private final MeshFixture fixture = new MeshFixture(4, 2);

  private XdsResources translated() {
    return new MeshTranslator().translate(new MeshModelBuilder().build(fixture.inventory()).model(),
        ProxyProfile.envoy(10000));
  }

  @Test
  void topLevelFieldsAndNamesOfAClusterResponse() throws Exception {
    List<Cluster> clusters = translated().clusters();
    DiscoveryResponse response = DiscoveryResponse.newBuilder().setVersionInfo("v1").setNonce("n1")
        .setTypeUrl(AdsStream.CDS).addAllResources(clusters.stream().map(Any::pack).toList()).build();

    ResponseScan.Sotw scanned = ResponseScan.sotw(response.toByteArray());

    assertThat(scanned.version()).isEqualTo("v1");
    assertThat(scanned.nonce()).isEqualTo("n1");
    assertThat(scanned.typeUrl()).isEqualTo(AdsStream.CDS);
    assertThat(scanned.resources().stream().map(ResponseScan::name).toList())
        .isEqualTo(clusters.stream().map(Cluster::getName).toList());
    // Mirror clusters ask for their target's endpoints (service_name); the others for their own name.
    assertThat(scanned.resources().stream().map(ResponseScan::edsName).toList()).isEqualTo(clusters.stream()
        .map(c -> c.getEdsClusterConfig().getServiceName().isEmpty() ? c.getName()
            : c.getEdsClusterConfig().getServiceName()).toList());
    assertThat(clusters).anyMatch(c -> !c.getEdsClusterConfig().getServiceName().isEmpty());
  }

  @Test
  void routeNamesOfTheListener() throws Exception {
    XdsResources resources = translated();

    List<String> names = ResponseScan.routeNames(resources.listeners().get(0).toByteString());

    assertThat(names).containsExactly(resources.routes().get(0).getName());
  }

  @Test
  void latestEndpointMarkerAndPercentagePattern() throws Exception {
    fixture.setMarker(1, 300);
    fixture.setMarker(3, 7);
    fixture.setPercentage(0, 371_234);
    XdsResources resources = translated();
    byte[] endpoints = DiscoveryResponse.newBuilder().addAllResources(
        resources.endpoints().stream().map(Any::pack).toList()).build().toByteArray();

    assertThat(ResponseScan.latestMarker(endpoints)).isEqualTo(300);
    assertThat(ResponseScan.latestMarker("no marker 10.200.".getBytes(StandardCharsets.US_ASCII))).isZero();
    assertThat(ResponseScan.containsAny(resources.routes().get(0).toByteArray(), Markers.percentage(371_234)))
        .isTrue();
    assertThat(ResponseScan.containsAny(resources.routes().get(0).toByteArray(), Markers.percentage(371_235)))
        .isFalse();
    assertThat(resources.endpoints()).extracting(ClusterLoadAssignment::getClusterName).isNotEmpty();
  }
}
