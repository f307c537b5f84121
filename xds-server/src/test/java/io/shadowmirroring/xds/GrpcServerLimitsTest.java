package io.shadowmirroring.xds;

import static io.shadowmirroring.xds.testing.Manifests.service;
import static io.shadowmirroring.xds.testing.RawHttp2Connection.ENHANCE_YOUR_CALM;
import static io.shadowmirroring.xds.testing.RawHttp2Connection.GOAWAY;
import static io.shadowmirroring.xds.testing.RawHttp2Connection.HEADERS;
import static io.shadowmirroring.xds.testing.RawHttp2Connection.NO_ERROR;
import static io.shadowmirroring.xds.testing.RawHttp2Connection.PING;
import static io.shadowmirroring.xds.testing.RawHttp2Connection.REFUSED_STREAM;
import static io.shadowmirroring.xds.testing.RawHttp2Connection.RST_STREAM;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.RawHttp2Connection;
import io.shadowmirroring.xds.testing.RawHttp2Connection.Frame;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC server limits of {@link GrpcServerLimits}, on the real server's xDS port on 127.0.0.1, with
 * small values so that each limit is reached in a second or two. A client past a limit loses its stream or
 * its connection; the server stays healthy and other streams go on.
 */
class GrpcServerLimitsTest {
  private static final String HEALTH_WATCH = "grpc.health.v1.Health/Watch";

  @TempDir Path directory;

  private DirectoryServer start(GrpcServerLimits limits) throws Exception {
    DirectoryServer.write(directory.resolve("app.yaml"), service("shadow-demo", "app-service", Map.of(), 80, "http"));
    return new DirectoryServer(directory, ServerSettings.loopbackForTests().withLimits(limits), Duration.ofMillis(30));
  }

  @Test
  @DisplayName("an over-size message ends its stream with RESOURCE_EXHAUSTED; the other stream on the connection goes on")
  void overSizeMessage() throws Exception {
    try (DirectoryServer server = start(new GrpcServerLimits(64 * 1024, 100, Duration.ofSeconds(10),
             Duration.ZERO, Duration.ZERO));
         AdsTestClient envoy = server.envoy("envoy-1")) {
      envoy.await("clusters", r -> r.getTypeUrl().equals(AdsTestClient.CDS), Duration.ofSeconds(10));

      AdsStream hostile = new AdsStream(server.channel());
      hostile.send(DiscoveryRequest.newBuilder().setTypeUrl(AdsTestClient.CDS)
          .setNode(Node.newBuilder().setId("hostile").setMetadata(Struct.newBuilder()
              .putFields("padding", Value.newBuilder().setStringValue("x".repeat(100 * 1024)).build())))
          .build());

      Status status = hostile.end.get(10, TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(status.getDescription()).contains("exceeds maximum");

      DirectoryServer.write(directory.resolve("other.yaml"), service("shadow-demo", "other", Map.of(), 80, "http"));
      envoy.await("the new cluster on the stream that stayed within the limit",
          r -> r.getTypeUrl().equals(AdsTestClient.CDS)
              && AdsTestClient.clusterNames(r).contains("shadow-demo/other:80"), Duration.ofSeconds(10));
      assertThat(HealthGrpc.newBlockingStub(server.channel()).check(HealthCheckRequest.getDefaultInstance())
          .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
  }

  @Test
  @DisplayName("a stream past --max-streams-per-connection is refused (REFUSED_STREAM); the others go on")
  void streamsPerConnection() throws Exception {
    try (DirectoryServer server = start(new GrpcServerLimits(1024 * 1024, 3, Duration.ofSeconds(10),
             Duration.ZERO, Duration.ZERO));
         RawHttp2Connection connection = new RawHttp2Connection(server.server().xdsPort())) {
      for (int stream : new int[] {1, 3, 5}) {
        connection.startCall(stream, HEALTH_WATCH);
        // A server-streaming call starts once the client has half-closed.
        connection.sendMessage(stream, HealthCheckRequest.getDefaultInstance().toByteArray(), true);
      }
      // The answers may come in any order; await takes frames off the connection as it goes.
      java.util.Set<Integer> answered = new java.util.TreeSet<>();
      while (answered.size() < 3) {
        answered.add(connection.await("the answers on streams 1, 3 and 5 (so far " + answered + ")",
            f -> f.type() == HEADERS && List.of(1, 3, 5).contains(f.streamId()) && !answered.contains(f.streamId()),
            Duration.ofSeconds(10)).streamId());
      }

      connection.startCall(7, HEALTH_WATCH);

      Frame refused = connection.await("RST_STREAM on stream 7", f -> f.type() == RST_STREAM, Duration.ofSeconds(10));
      assertThat(refused.streamId()).isEqualTo(7);
      assertThat(refused.errorCode()).isEqualTo(REFUSED_STREAM);
      connection.ping(42);
      connection.await("PING ACK: the connection is still open", f -> f.type() == PING && f.isAck()
          && java.nio.ByteBuffer.wrap(f.payload()).getLong() == 42, Duration.ofSeconds(10));
      assertThat(connection.seen()).as("nothing ended the three streams within the limit")
          .noneMatch(f -> f.type() == GOAWAY || (f.type() == RST_STREAM && f.streamId() != 7));
    }
  }

  @Test
  @DisplayName("a client pinging more often than --keepalive-min-interval gets GOAWAY too_many_pings; one that waits does not")
  void keepaliveEnforcement() throws Exception {
    try (DirectoryServer server = start(new GrpcServerLimits(1024 * 1024, 100, Duration.ofMillis(500),
             Duration.ZERO, Duration.ZERO));
         RawHttp2Connection abusive = new RawHttp2Connection(server.server().xdsPort());
         RawHttp2Connection polite = new RawHttp2Connection(server.server().xdsPort())) {
      try {
        for (int i = 0; i < 5; i++) {
          abusive.ping(i);
          Thread.sleep(50);
        }
      } catch (java.net.SocketException closedByTheServer) {
        // Expected once the server has sent its GOAWAY and closed the connection.
      }
      Frame goAway = abusive.await("GOAWAY", f -> f.type() == GOAWAY, Duration.ofSeconds(10));
      assertThat(goAway.errorCode()).isEqualTo(ENHANCE_YOUR_CALM);
      assertThat(goAway.goAwayDebug()).isEqualTo("too_many_pings");

      // No call open, as on an Envoy connection between two ADS streams: pings are still welcome.
      for (int i = 0; i < 5; i++) {
        Thread.sleep(700);
        polite.ping(100 + i);
        long data = 100 + i;
        polite.await("PING ACK " + data, f -> f.type() == PING && f.isAck()
            && java.nio.ByteBuffer.wrap(f.payload()).getLong() == data, Duration.ofSeconds(10));
      }
      assertThat(polite.seen()).noneMatch(f -> f.type() == GOAWAY || f.type() == -1);
    }
  }

  @Test
  @DisplayName("--max-connection-age sends GOAWAY, closes the connection after the grace, and the client reconnects")
  void maxConnectionAge() throws Exception {
    try (DirectoryServer server = start(new GrpcServerLimits(1024 * 1024, 100, Duration.ofSeconds(10),
             Duration.ofSeconds(1), Duration.ofMillis(500)));
         RawHttp2Connection raw = new RawHttp2Connection(server.server().xdsPort())) {
      long opened = System.nanoTime();
      Frame goAway = raw.await("GOAWAY", f -> f.type() == GOAWAY, Duration.ofSeconds(10));
      long goAwayMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
      raw.await("the end of the connection", f -> f.type() == -1, Duration.ofSeconds(10));
      long closedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
      assertThat(goAway.errorCode()).isEqualTo(NO_ERROR);
      assertThat(goAwayMillis).as("GOAWAY at the age, less gRPC's 10 %% jitter").isGreaterThanOrEqualTo(850);
      assertThat(closedMillis).as("closed after the grace").isGreaterThanOrEqualTo(goAwayMillis);
      System.out.printf("max connection age 1 s, grace 0.5 s: GOAWAY after %d ms, closed after %d ms%n",
          goAwayMillis, closedMillis);

      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.server().xdsPort())
          .usePlaintext().build();
      try {
        AdsStream first = new AdsStream(channel);
        first.send(cdsRequest("envoy-aged"));
        first.awaitResponse(Duration.ofSeconds(10));
        Status end = first.end.get(10, TimeUnit.SECONDS);
        assertThat(end.getCode()).as("the aged connection's stream ends: %s", end).isEqualTo(Status.Code.UNAVAILABLE);

        AdsStream again = new AdsStream(channel);
        again.send(cdsRequest("envoy-aged"));
        assertThat(again.awaitResponse(Duration.ofSeconds(10)).getVersionInfo())
            .as("the same config on the new connection").isEqualTo(first.responses.get(0).getVersionInfo());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static DiscoveryRequest cdsRequest(String node) {
    return DiscoveryRequest.newBuilder().setTypeUrl(AdsTestClient.CDS).setNode(AdsTestClient.envoyNode(node)).build();
  }

  /** One ADS stream whose responses and end the test reads. */
  private static final class AdsStream {
    final List<DiscoveryResponse> responses = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();
    final StreamObserver<DiscoveryRequest> requests;

    AdsStream(ManagedChannel channel) {
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryResponse response) {
          responses.add(response);
        }

        @Override
        public void onError(Throwable t) {
          end.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
          end.complete(Status.OK);
        }
      });
    }

    void send(DiscoveryRequest request) {
      requests.onNext(request);
    }

    DiscoveryResponse awaitResponse(Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (responses.isEmpty() && System.nanoTime() < deadline && !end.isDone()) {
        Thread.sleep(10);
      }
      assertThat(responses).as("a response (stream end: %s)", end.getNow(null)).isNotEmpty();
      return responses.get(0);
    }
  }
}
