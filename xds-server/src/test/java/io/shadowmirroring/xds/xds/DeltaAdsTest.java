package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Delta ADS on the same port: incremental resources, removals, and no resend after a NACK. */
class DeltaAdsTest {
  private static final Node NODE = AdsTestClient.envoyNode("envoy-delta");

  @TempDir Path directory;

  private final List<DeltaDiscoveryResponse> received = new CopyOnWriteArrayList<>();

  private void writeServices(boolean withShadow) throws Exception {
    String primary = documents(service("shadow-demo", "app-service", Map.of(), 80, "http"),
        endpointSlice("shadow-demo", "app-service", "http", 8081, "10.0.0.1"));
    String shadow = documents(service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"),
        endpointSlice("shadow-demo", "app-shadow-service", "http", 8082, "10.0.0.2"));
    DirectoryServer.write(directory.resolve("demo.yaml"), withShadow ? documents(primary, shadow) : primary);
  }

  private DeltaDiscoveryResponse await(String what, Predicate<DeltaDiscoveryResponse> matching) {
    for (int i = 0; i < 1000; i++) {
      for (DeltaDiscoveryResponse response : received) {
        if (matching.test(response)) {
          return response;
        }
      }
      AdsTestClient.sleep(10);
    }
    throw new AssertionError("no delta response with " + what + "; got " + received.size());
  }

  private static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).sorted().toList();
  }

  @Test
  @DisplayName("a delta stream gets clusters, endpoints on subscription, removals by name, and nothing again after a NACK")
  void deltaAds() throws Exception {
    writeServices(true);
    try (DirectoryServer server = new DirectoryServer(directory)) {
      StreamObserver<DeltaDiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(server.channel())
          .deltaAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryResponse response) {
              received.add(response);
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
          });
      requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(CDS).build());
      DeltaDiscoveryResponse clusters = await("clusters", r -> r.getTypeUrl().equals(CDS));
      assertThat(names(clusters)).containsExactly("shadow-demo/app-service:80", "shadow-demo/app-shadow-service:80");
      requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).setResponseNonce(clusters.getNonce()).build());

      requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(EDS)
          .addResourceNamesSubscribe("shadow-demo/app-service:80").build());
      DeltaDiscoveryResponse endpoints = await("endpoints", r -> r.getTypeUrl().equals(EDS));
      assertThat(names(endpoints)).containsExactly("shadow-demo/app-service:80");

      // NACK the endpoints: the same resources must not come back until something changes.
      requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(EDS).setResponseNonce(endpoints.getNonce())
          .setErrorDetail(Status.newBuilder().setCode(3).setMessage("endpoints[0].locality unset")).build());
      AdsTestClient.sleep(600);
      assertThat(received.stream().filter(r -> r.getTypeUrl().equals(EDS))).hasSize(1);

      writeServices(false);
      DeltaDiscoveryResponse removal = await("the shadow cluster removed",
          r -> r.getTypeUrl().equals(CDS) && r.getRemovedResourcesList().contains("shadow-demo/app-shadow-service:80"));
      assertThat(removal.getResourcesList()).isEmpty();
      requests.onCompleted();
    }
  }
}
