package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.HandMadeResources.assignment;
import static io.shadowmirroring.xds.testing.HandMadeResources.cluster;
import static io.shadowmirroring.xds.testing.HandMadeResources.listener;
import static io.shadowmirroring.xds.testing.HandMadeResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.shadowmirroring.xds.RawBytesMarshaller;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.XdsStage;
import io.shadowmirroring.xds.translate.XdsResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Hostile xDS clients (issue 9 item 8): each gets a gRPC status naming what is wrong, the server stays
 * healthy, and a healthy proxy's stream next to it goes on getting changes.
 */
class HostileClientsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Node HEALTHY = AdsTestClient.envoyNode("healthy");
  /** The healthy proxy's profile and one more. */
  private static final int MAX_PROFILES = 2;

  private XdsStage stage;
  private AdsTestClient healthy;

  private static XdsResources resources(String prefix) {
    return new XdsResources(List.of(cluster("a", 250)), List.of(assignment("a", "10.0.0.1")),
        List.of(listener("front", 10000, "front-routes")), List.of(routes("front-routes", prefix, List.of("a"))));
  }

  @BeforeEach
  void start() throws Exception {
    stage = new XdsStage(MAX_PROFILES);
    stage.publish(HEALTHY, resources("/"));
    healthy = new AdsTestClient(stage.channel(), HEALTHY).start();
    healthy.await("routes", r -> r.getTypeUrl().equals(RDS), WAIT);
  }

  @AfterEach
  void stop() throws Exception {
    healthy.close();
    stage.close();
  }

  /** The server is SERVING, and the healthy stream gets the next change. */
  private void assertUnaffected(String prefix) {
    assertThat(HealthGrpc.newBlockingStub(stage.channel()).check(HealthCheckRequest.getDefaultInstance())
        .getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    stage.publish(HEALTHY, resources(prefix));
    healthy.await("routes with " + prefix, r -> r.getTypeUrl().equals(RDS) && r.toString().contains(prefix), WAIT);
    assertThat(healthy.open()).isTrue();
  }

  private double refused(String reason) {
    var counter = stage.meters().find("shadow_mirroring_xds_refused_streams_total").tag("reason", reason).counter();
    return counter == null ? 0 : counter.count();
  }

  private static Node onPort(String id, int port) {
    return AdsTestClient.envoyNode(id).toBuilder().setMetadata(Struct.newBuilder().putFields(
        NodeClassifier.LISTENER_PORT_METADATA, Value.newBuilder().setNumberValue(port).build())).build();
  }

  @Test
  @DisplayName("an unknown type URL: INVALID_ARGUMENT naming the type")
  void unknownTypeUrl() {
    try (AdsTestClient hostile = new AdsTestClient(stage.channel(), AdsTestClient.envoyNode("hostile"))) {
      hostile.send(DiscoveryRequest.newBuilder().setNode(AdsTestClient.envoyNode("hostile"))
          .setTypeUrl("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret").build());

      Status status = hostile.awaitError(WAIT);

      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains("envoy.extensions.transport_sockets.tls.v3.Secret", "not served");
      assertThat(refused("unknown_type")).isEqualTo(1.0);
      assertUnaffected("/after-unknown-type");
    }
  }

  @Test
  @DisplayName("100,000 resource names in one request: RESOURCE_EXHAUSTED naming the limit")
  void tooManyNames() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      names.add("cluster-" + i);
    }
    try (AdsTestClient hostile = new AdsTestClient(stage.channel(), AdsTestClient.envoyNode("hostile"))) {
      hostile.send(DiscoveryRequest.newBuilder().setNode(AdsTestClient.envoyNode("hostile")).setTypeUrl(EDS)
          .addAllResourceNames(names).build());

      Status status = hostile.awaitError(WAIT);

      assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(status.getDescription()).contains("100000 names", "at most " + ServingStream.MAX_NAMES);
      assertThat(refused("too_many_names")).isEqualTo(1.0);
      assertUnaffected("/after-many-names");
    }
  }

  @Test
  @DisplayName("a resource name that is not UTF-8: INVALID_ARGUMENT naming resource_names")
  void nameNotUtf8() {
    Status status = sendRaw(SotwRequestTest.withNameNotUtf8(DiscoveryRequest.newBuilder()
        .setNode(AdsTestClient.envoyNode("hostile")).setTypeUrl(EDS).addResourceNames("a").build()));

    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("resource_names", "UTF-8");
    assertThat(refused("bad_names")).isEqualTo(1.0);
    assertUnaffected("/after-bad-names");
  }

  @Test
  @DisplayName("a first request whose node does not parse (its id not UTF-8): INVALID_ARGUMENT naming the node")
  void nodeNotUtf8() {
    byte[] rest = DiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNames("a").build().toByteArray();
    // node { id: C3 28 }: field 2 of the request holding field 1 of the node, two bytes that are not UTF-8.
    byte[] node = {DiscoveryRequest.NODE_FIELD_NUMBER << 3 | 2, 4, Node.ID_FIELD_NUMBER << 3 | 2, 2, (byte) 0xC3, 0x28};
    byte[] request = java.util.Arrays.copyOf(rest, rest.length + node.length);
    System.arraycopy(node, 0, request, rest.length, node.length);

    Status status = sendRaw(request);

    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).startsWith("node: ").contains("UTF-8");
    assertThat(refused("bad_node")).isEqualTo(1.0);
    assertUnaffected("/after-bad-node");
  }

  /** Sends one request as bytes (protobuf's builders refuse to make these) and waits for the stream's end. */
  private Status sendRaw(byte[] request) {
    MethodDescriptor<byte[], byte[]> ads = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING).setFullMethodName(MethodDescriptor.generateFullMethodName(
            "envoy.service.discovery.v3.AggregatedDiscoveryService", "StreamAggregatedResources"))
        .setRequestMarshaller(RawBytesMarshaller.INSTANCE).setResponseMarshaller(RawBytesMarshaller.INSTANCE).build();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<byte[]> requests = ClientCalls.asyncBidiStreamingCall(stage.channel().newCall(ads,
        CallOptions.DEFAULT), new StreamObserver<>() {
          @Override
          public void onNext(byte[] value) {
          }

          @Override
          public void onError(Throwable t) {
            ended.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            ended.complete(Status.OK);
          }
        });
    requests.onNext(request);
    return ended.orTimeout(WAIT.toSeconds(), TimeUnit.SECONDS).join();
  }


}
