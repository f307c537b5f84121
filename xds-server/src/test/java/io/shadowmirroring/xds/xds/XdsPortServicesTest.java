package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Besides xDS, the xDS port answers gRPC health and reflection; the metrics port serves Prometheus text. */
class XdsPortServicesTest {
  @TempDir Path directory;

  @Test
  @DisplayName("gRPC health is SERVING once a config is published, and reflection lists the ADS service")
  void healthAndReflection() throws Exception {
    DirectoryServer.write(directory.resolve("app.yaml"), service("shadow-demo", "app-service", Map.of(), 80, "http"));
    try (DirectoryServer server = new DirectoryServer(directory)) {
      HealthCheckResponse.ServingStatus status = HealthCheckResponse.ServingStatus.UNKNOWN;
      for (int i = 0; i < 200 && status != HealthCheckResponse.ServingStatus.SERVING; i++) {
        status = HealthGrpc.newBlockingStub(server.channel()).check(HealthCheckRequest.getDefaultInstance()).getStatus();
        AdsTestClient.sleep(10);
      }
      assertThat(status).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

      CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> reflection = ServerReflectionGrpc.newStub(server.channel())
          .serverReflectionInfo(new StreamObserver<>() {
            @Override
            public void onNext(ServerReflectionResponse value) {
              answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
          });
      reflection.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
      List<String> services = answer.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
          .map(ServiceResponse::getName).toList();
      reflection.onCompleted();
      assertThat(services).contains("envoy.service.discovery.v3.AggregatedDiscoveryService", "grpc.health.v1.Health");
    }
  }

  @Test
  @DisplayName("/metrics counts streams, responses and ACKs per type; /healthz and /readyz answer 200")
  void metricsPort() throws Exception {
    DirectoryServer.write(directory.resolve("app.yaml"), service("shadow-demo", "app-service", Map.of(), 80, "http"));
    try (DirectoryServer server = new DirectoryServer(directory);
         AdsTestClient envoy = server.envoy("envoy-1")) {
      envoy.await("routes", r -> r.getTypeUrl().equals(AdsTestClient.RDS), java.time.Duration.ofSeconds(10));
      int port = server.server().metricsPort();

      String metrics = get(port, "/metrics").body();
      assertThat(metrics).contains("shadow_mirroring_xds_streams 1.0",
          "shadow_mirroring_xds_responses_total{type=\"RouteConfiguration\"}",
          "shadow_mirroring_snapshot_publishes_total{profile=\"ENVOY\"}");
      assertThat(get(port, "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(port, "/readyz").statusCode()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
