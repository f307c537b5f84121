package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.HandMadeResources.cluster;
import static io.shadowmirroring.xds.testing.HandMadeResources.listener;
import static io.shadowmirroring.xds.testing.HandMadeResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.XdsStage;
import io.shadowmirroring.xds.translate.XdsResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The bound on response bytes in flight across all streams (issue 8, scenario 6): streams whose clients
 * do not read hold at most the budget, the others wait their turn and are all served once the clients
 * read, and a stream that goes away gives back what it held or waited for.
 */
class ResponseBudgetTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Node NODE = AdsTestClient.envoyNode("budget");
  private static final int CLUSTERS = 100;
  private static final int ENDPOINTS = 40;
  /** The HTTP/2 window of the test's channels, stream and connection: what a client that does not read holds. */
  private static final int WINDOW = 65_535;
  /** gRPC's DEFAULT_ONREADY_THRESHOLD: a stream with less than this queued is ready, so counts nothing. */
  private static final int ONREADY_THRESHOLD = 32 * 1024;

  /** 100 clusters and their assignments of 40 endpoints each: a CDS response of about 20 KB, EDS about 120 KB. */
  private static XdsResources resources() {
    List<String> names = IntStream.range(0, CLUSTERS).mapToObj(i -> "service-" + i).toList();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    for (String name : names) {
      LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
      for (int e = 0; e < ENDPOINTS; e++) {
        locality.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(
            Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
                .setAddress("10.1." + (e / 250) + "." + (e % 250)).setPortValue(8080)))));
      }
      assignments.add(ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(locality).build());
    }
    return new XdsResources(names.stream().map(n -> cluster(n, 250)).toList(), assignments,
        List.of(listener("front", XdsStage.LISTENER_PORT, "front-routes")),
        List.of(routes("front-routes", "/", names.subList(0, 1))));
  }

  /**
   * A raw ADS call that reads nothing until told to: gRPC then returns no HTTP/2 window to the server,
   * whose writes queue up in Netty as they would for a proxy that stalls.
   */
  private static final class LazyClient {
    private final ClientCall<DiscoveryRequest, DiscoveryResponse> call;
    private final Set<String> typesReceived = ConcurrentHashMap.newKeySet();
    private final AtomicLong largest = new AtomicLong();

    LazyClient(ManagedChannel channel) {
      call = channel.newCall(AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(DiscoveryResponse response) {
          largest.accumulateAndGet(response.getSerializedSize(), Math::max);
          typesReceived.add(response.getTypeUrl());
        }
      }, new Metadata());
      call.sendMessage(DiscoveryRequest.newBuilder().setNode(NODE).setTypeUrl(CDS).build());
      call.sendMessage(DiscoveryRequest.newBuilder().setTypeUrl(EDS)
          .addAllResourceNames(IntStream.range(0, CLUSTERS).mapToObj(i -> "service-" + i).toList()).build());
    }

    void read() {
      call.request(Integer.MAX_VALUE);
    }

    boolean complete() {
      return typesReceived.containsAll(List.of(CDS, EDS));
    }

    void cancel() {
      call.cancel("the test cancels it", null);
    }
  }

  /** Counts what the server hands to its transport, independently of the budget's own figures. */
  private static final class HandedBytes extends ServerStreamTracer.Factory {
    final AtomicLong total = new AtomicLong();

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
      return new ServerStreamTracer() {
        @Override
        public void outboundWireSize(long bytes) {
          total.addAndGet(bytes);
        }
      };
    }
  }

  private static ManagedChannel channel(XdsStage stage) {
    return NettyChannelBuilder.forAddress("127.0.0.1", stage.server().port()).usePlaintext()
        .flowControlWindow(WINDOW).build();
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for: " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** {@code count} clients on the channel; those told to read take their responses from the start. */
  private static List<LazyClient> clients(ManagedChannel channel, int count, boolean read) {
    List<LazyClient> clients = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      LazyClient client = new LazyClient(channel);
      if (read) {
        client.read();
      }
      clients.add(client);
    }
    return clients;
  }

  private static void close(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("with 20 streams that do not read, at most the budget is in flight (ready streams aside) and "
      + "the others wait; once the clients read, every stream gets its clusters and assignments")
  void boundedWhileClientsStallThenAllComplete() throws Exception {
    ResponseBudget budget = new ResponseBudget(512 * 1024, new SimpleMeterRegistry());
    HandedBytes handed = new HandedBytes();
    int streams = 20;
    try (XdsStage stage = new XdsStage(SnapshotPublisher.DEFAULT_MAX_PROFILES, budget, handed)) {
      stage.publish(NODE, resources());
      ManagedChannel channel = channel(stage);
      try {
        List<LazyClient> clients = clients(channel, streams, false);
        await("streams waiting for the budget", () -> budget.waitingCount() > 0 && budget.inFlight() > 0);
        // Let any write that was admitted settle; nothing more may go out while nobody reads.
        Thread.sleep(500);
        long handedWhileStalled = handed.total.get();
        assertThat(budget.peak()).as("bytes in flight, by the budget").isLessThanOrEqualTo(budget.limit());
        // Independently: what gRPC was handed is the budget, plus what each stream wrote while its
        // transport stayed ready (under gRPC's 32 KiB), plus what the client's window let through.
        assertThat(handedWhileStalled).as("bytes handed to gRPC while no client reads")
            .isLessThanOrEqualTo(budget.limit() + (long) streams * ONREADY_THRESHOLD + WINDOW);
        assertThat(clients.stream().filter(LazyClient::complete)).as("no client has read anything").isEmpty();

        clients.forEach(LazyClient::read);
        await("every stream complete", () -> clients.stream().allMatch(LazyClient::complete));
        long largest = clients.stream().mapToLong(c -> c.largest.get()).max().orElseThrow();
        assertThat(handed.total.get()).as("all responses were written in the end")
            .isGreaterThan((long) streams * largest);
        assertThat(budget.peak()).isLessThanOrEqualTo(budget.limit());
        await("nothing left in flight or waiting", () -> budget.inFlight() == 0 && budget.waitingCount() == 0);
      } finally {
        close(channel);
      }
    }
  }

  @Test
  @DisplayName("a response larger than the whole budget goes alone, and every stream still completes")
  void oversizeResponsesGoOneAtATime() throws Exception {
    ResponseBudget budget = new ResponseBudget(1, new SimpleMeterRegistry());
    try (XdsStage stage = new XdsStage(SnapshotPublisher.DEFAULT_MAX_PROFILES, budget, null)) {
      stage.publish(NODE, resources());
      ManagedChannel channel = channel(stage);
      try {
        List<LazyClient> clients = clients(channel, 10, false);
        clients.forEach(LazyClient::read);
        await("every stream complete", () -> clients.stream().allMatch(LazyClient::complete));
        long largest = clients.stream().mapToLong(c -> c.largest.get()).max().orElseThrow();
        // Two responses at once would add up to more than the largest (the nonce tail aside).
        assertThat(budget.peak()).as("most bytes in flight at once").isBetween(1L, largest + 16);
        await("nothing left in flight or waiting", () -> budget.inFlight() == 0 && budget.waitingCount() == 0);
      } finally {
        close(channel);
      }
    }
  }

  @Test
  @DisplayName("streams cancelled while holding the budget or waiting for it give it back: the others complete")
  void cancelledStreamsReleaseTheBudget() throws Exception {
    ResponseBudget budget = new ResponseBudget(512 * 1024, new SimpleMeterRegistry());
    try (XdsStage stage = new XdsStage(SnapshotPublisher.DEFAULT_MAX_PROFILES, budget, null)) {
      stage.publish(NODE, resources());
      ManagedChannel stalled = channel(stage);
      ManagedChannel reading = channel(stage);
      try {
        List<LazyClient> stuck = clients(stalled, 20, false);
        await("the stuck streams hold the budget and some wait",
            () -> budget.waitingCount() > 0 && budget.inFlight() > 0);
        List<LazyClient> others = clients(reading, 5, true);
        Thread.sleep(500);
        assertThat(others.stream().filter(LazyClient::complete)).as("the others wait behind the stuck ones").isEmpty();

        stuck.forEach(LazyClient::cancel);
        await("the other streams complete", () -> others.stream().allMatch(LazyClient::complete));
        await("nothing left in flight or waiting", () -> budget.inFlight() == 0 && budget.waitingCount() == 0);
        assertThat(stuck.stream().filter(LazyClient::complete)).isEmpty();
      } finally {
        close(stalled);
        close(reading);
      }
    }
  }

  @Test
  @DisplayName("streams whose proxies take nothing for the set time become slow and no longer hold up the "
      + "others: readers complete beside them; bytes being taken stay within the window, all within the budget")
  void slowStreamsLeaveTheWindow() throws Exception {
    long window = 512 * 1024;
    ResponseBudget budget = new ResponseBudget(8 * window, window, Duration.ofMillis(700), new SimpleMeterRegistry());
    try (XdsStage stage = new XdsStage(SnapshotPublisher.DEFAULT_MAX_PROFILES, budget, null)) {
      stage.publish(NODE, resources());
      ManagedChannel stalled = channel(stage);
      ManagedChannel reading = channel(stage);
      try {
        List<LazyClient> stuck = clients(stalled, 20, false);
        await("the stuck streams hold the window and some wait",
            () -> budget.waitingCount() > 0 && budget.inFlight() > 0);
        await("the stuck streams are slow, and wait no more", () -> budget.slowBytes() > 0 && budget.waitingCount() == 0);

        List<LazyClient> others = clients(reading, 5, true);
        await("the other streams complete while the stuck ones still take nothing",
            () -> others.stream().allMatch(LazyClient::complete));
        assertThat(stuck.stream().filter(LazyClient::complete)).isEmpty();
        assertThat(budget.windowPeak()).as("most bytes being taken at once").isLessThanOrEqualTo(window);
        assertThat(budget.peak()).as("most bytes in flight at once").isLessThanOrEqualTo(budget.limit())
            .isGreaterThan(window);

        stuck.forEach(LazyClient::read);
        await("the stuck streams complete once they read", () -> stuck.stream().allMatch(LazyClient::complete));
        await("nothing left in flight, slow or waiting",
            () -> budget.inFlight() == 0 && budget.slowBytes() == 0 && budget.waitingCount() == 0);
      } finally {
        close(stalled);
        close(reading);
      }
    }
  }

  @Test
  @DisplayName("a window larger than the budget, or none, is refused with what is wrong")
  void windowWithinTheBudget() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> new ResponseBudget(1024, 2048, Duration.ofSeconds(1), new SimpleMeterRegistry()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("the response window must be 1 byte to the budget (1024), not 2048");
    assertThat(new ResponseBudget(1024, new SimpleMeterRegistry()).window()).isEqualTo(1024);
    assertThat(new ResponseBudget(ResponseBudget.MAX_DEFAULT_BYTES, new SimpleMeterRegistry()).window())
        .isEqualTo(ResponseBudget.WINDOW_DEFAULT_BYTES);
  }
}
