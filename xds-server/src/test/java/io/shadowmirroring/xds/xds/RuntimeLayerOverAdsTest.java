package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.LDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.unpack;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.FirstBuild;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RTDS layer end to end: an Envoy whose bootstrap has the layer (node metadata
 * {@code shadow-mirroring.io/runtime: rtds}) asks for it over ADS, as its {@code rtds_layer} with
 * {@code ads: {}} does, and a percentage edit then reaches it as a new layer alone: no route table,
 * no listener, no cluster is sent again. A proxy without the layer gets the percentage in its routes.
 */
class RuntimeLayerOverAdsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "shadow_mirroring.shop.api.80.mirror.shop.api-v2.80";

  @TempDir Path directory;

  private void write(String percentage) throws Exception {
    DirectoryServer.write(directory.resolve("shop.yaml"), documents(
        service("shop", "api", Map.of("shadow-mirroring.io/mirror-to", "api-v2",
            "shadow-mirroring.io/mirror-percentage", percentage), 80, "http"),
        endpointSlice("shop", "api", "http", 8080, "10.4.0.1"),
        service("shop", "api-v2", Map.of(), 80, "http"),
        endpointSlice("shop", "api-v2", "http", 8080, "10.4.0.2")));
  }

  private static Node withLayer(String id) {
    return AdsTestClient.envoyNode(id).toBuilder().setMetadata(Struct.newBuilder()
        .putFields("shadow-mirroring.io/runtime", Value.newBuilder().setStringValue("rtds").build())).build();
  }

  /** The numerator of the mirror's key in the layer, checked to be the strict form Envoy parses. */
  private static double numerator(DiscoveryResponse rtds) {
    List<Runtime> layers = unpack(rtds, Runtime.class);
    assertThat(layers).extracting(Runtime::getName).containsExactly(ResourceNames.RUNTIME_LAYER);
    Struct value = layers.get(0).getLayer().getFieldsOrThrow(KEY).getStructValue();
    // source/common/runtime/runtime_impl.cc: any other field, or a numeric denominator, falls back to the default.
    assertThat(value.getFieldsMap().keySet()).containsExactlyInAnyOrder("numerator", "denominator");
    assertThat(value.getFieldsOrThrow("denominator").getStringValue()).isEqualTo("MILLION");
    return value.getFieldsOrThrow("numerator").getNumberValue();
  }

  private static int mirrorDefault(DiscoveryResponse rds) {
    return unpack(rds, RouteConfiguration.class).stream()
        .flatMap(config -> config.getVirtualHostsList().stream())
        .flatMap(vh -> vh.getRoutesList().stream())
        .flatMap(route -> route.getRoute().getRequestMirrorPoliciesList().stream())
        .filter(policy -> policy.getRuntimeFraction().getRuntimeKey().equals(KEY))
        .map(policy -> policy.getRuntimeFraction().getDefaultValue().getNumerator())
        .findFirst().orElseThrow();
  }

  @Test
  @DisplayName("a percentage edit reaches a proxy with the layer as a new RTDS layer only; one without it gets new routes")
  void percentageEditGoesThroughTheLayer() throws Exception {
    write("25");
    try (DirectoryServer server = new DirectoryServer(directory)) {
      FirstBuild.await(server.server());
      AdsTestClient layered = new AdsTestClient(server.channel(), withLayer("layered")).start();
      layered.subscribe(XdsTypes.RUNTIME, List.of(ResourceNames.RUNTIME_LAYER));
      AdsTestClient plain = server.envoy("plain");

      assertThat(numerator(layered.latest(XdsTypes.RUNTIME, WAIT))).isEqualTo(250_000);
      DiscoveryResponse layeredRoutes = layered.latest(RDS, WAIT);
      assertThat(mirrorDefault(layeredRoutes)).as("the route default for a proxy with the layer").isZero();
      assertThat(mirrorDefault(plain.latest(RDS, WAIT))).as("25 %% in millionths").isEqualTo(250_000);
      layered.await("every type ACKed", r -> List.of(CDS, EDS, LDS, RDS, XdsTypes.RUNTIME).stream()
          .allMatch(type -> layered.ackedVersion(type).isPresent()), WAIT);
      int before = layered.received().size();

      write("50");
      DiscoveryResponse edited = layered.await("the new layer",
          r -> r.getTypeUrl().equals(XdsTypes.RUNTIME) && numerator(r) == 500_000, WAIT);
      plain.await("routes with 50 %", r -> r.getTypeUrl().equals(RDS) && mirrorDefault(r) == 500_000, WAIT);
      AdsTestClient.sleep(500);
      List<DiscoveryResponse> since = layered.received().subList(before, layered.received().size());
      assertThat(since).as("what the proxy with the layer got for the edit")
          .extracting(DiscoveryResponse::getTypeUrl).containsExactly(XdsTypes.RUNTIME);
      assertThat(edited.getSerializedSize()).as("bytes of the whole edit").isLessThan(400);
      layered.close();
      plain.close();
    }
  }
}
