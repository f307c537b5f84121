package io.shadowmirroring.xds.testing;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A delta ADS client driven step by step by the test: it sends what it is told and ACKs on request. */
public final class DeltaTestClient implements AutoCloseable {
  private final Node node;
  private final StreamObserver<DeltaDiscoveryRequest> requests;
  private final List<DeltaDiscoveryResponse> received = new CopyOnWriteArrayList<>();
  private boolean sentFirst;

  public DeltaTestClient(ManagedChannel channel, Node node) {
    this.node = node;
    this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(new StreamObserver<>() {
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
  }

  /** Sends the request, with the node on the stream's first one. */
  public synchronized DeltaTestClient send(DeltaDiscoveryRequest request) {
    requests.onNext(sentFirst ? request : request.toBuilder().setNode(node).build());
    sentFirst = true;
    return this;
  }

  public void ack(DeltaDiscoveryResponse response) {
    send(DeltaDiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl()).setResponseNonce(response.getNonce())
        .build());
  }

  public List<DeltaDiscoveryResponse> received() {
    return List.copyOf(received);
  }

  /** Waits (bounded) for a response that matches; fails with what came otherwise. */
  public DeltaDiscoveryResponse await(String what, Predicate<DeltaDiscoveryResponse> matching, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (DeltaDiscoveryResponse response : received) {
        if (matching.test(response)) {
          return response;
        }
      }
      AdsTestClient.sleep(10);
    }
    throw new AssertionError("no delta response with " + what + " within " + timeout.toMillis() + " ms; got "
        + received.stream().map(r -> AdsTestClient.shortType(r.getTypeUrl()) + names(r) + "-" + r.getRemovedResourcesList())
        .toList());
  }

  public static List<String> names(DeltaDiscoveryResponse response) {
    return response.getResourcesList().stream().map(Resource::getName).sorted().toList();
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // Already gone.
    }
  }
}
