package io.shadowmirroring.bench;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One light Envoy-like ADS stream: it subscribes to clusters and listeners (wildcard), then to the
 * endpoints of the clusters and the routes of the listeners it got, and ACKs every response, as Envoy
 * does; it reads from each response only what that takes ({@link ResponseScan}). Responses may carry
 * only some of the subscribed EDS and RDS resources (partial SotW, Delta): a stream is complete once
 * every subscribed name has arrived at least once, whatever the grouping.
 *
 * <p>gRPC calls back one response at a time per stream, so the state needs no lock; sends are
 * synchronized because the harness thread sends the first requests while responses may already arrive.
 */
abstract class AdsStream implements ClientResponseObserver<byte[], byte[]> {
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String RTDS = "type.googleapis.com/envoy.service.runtime.v3.Runtime";

  protected final LoadClient client;
  protected final Node node;
  private ClientCallStreamObserver<byte[]> requests;
  protected boolean hasClusters;
  protected boolean hasListeners;
  protected List<String> edsNames = List.of();
  protected List<String> routeNames = List.of();
  private final Set<String> missing = new HashSet<>();
  private boolean complete;
  // Set by the harness thread; a cancelled stream's late callbacks must not count against the next scenario.
  private volatile boolean cancelled;
  private int latestMarker;
  private MarkerBoard.PatternWatch matched;

  AdsStream(LoadClient client, String nodeId) {
    this.client = client;
    // As the shipped front-proxy bootstrap describes itself (README, "Node metadata and proxy profiles").
    Struct.Builder metadata = Struct.newBuilder()
        .putFields("shadow-mirroring.io/role", Value.newBuilder().setStringValue("edge").build());
    if (!client.rtdsLayer().isEmpty()) {
      // A bootstrap with the RTDS layer says so, and the xds-server then keeps percentages out of the routes.
      metadata.putFields("shadow-mirroring.io/runtime", Value.newBuilder().setStringValue("rtds").build());
    }
    this.node = Node.newBuilder().setId(nodeId).setCluster("bench").setUserAgentName("envoy")
        .setMetadata(metadata).build();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<byte[]> requestStream) {
    this.requests = requestStream;
  }

  /** Sends the first requests. */
  abstract void start();

  /** Handles one response (already counted): subscribes and ACKs; returns its type URL. */
  abstract String handle(byte[] bytes);

  protected final synchronized void send(byte[] request) {
    requests.onNext(request);
  }

  final synchronized void cancel() {
    cancelled = true;
    requests.cancel("bench: stream closed", null);
  }

  @Override
  public void onNext(byte[] bytes) {
    if (cancelled) {
      return;
    }
    long now = System.nanoTime();
    client.received(bytes.length, now);
    scanMarkers(bytes, handle(bytes), now);
    if (!complete && hasClusters && hasListeners && missing.isEmpty()) {
      complete = true;
      client.streamComplete();
    }
  }

  private void scanMarkers(byte[] bytes, String typeUrl, long now) {
    if (typeUrl.equals(EDS)) {
      int marker = ResponseScan.latestMarker(bytes);
      if (marker > latestMarker) {
        client.board().endpointsSeen(latestMarker, marker, now);
        latestMarker = marker;
      }
    }
    MarkerBoard.PatternWatch watch = client.board().patternWatch();
    if (watch != null && matched != watch && watch.typeUrls().contains(typeUrl)
        && ResponseScan.containsAny(bytes, watch.patterns())) {
      matched = watch;
      watch.recorder().record(watch.changeNanos(), now - watch.changeNanos());
    }
  }

  protected final void expect(Collection<String> names) {
    missing.addAll(names);
  }

  protected final void arrived(String name) {
    missing.remove(name);
  }

  protected final boolean waiting() {
    return !missing.isEmpty();
  }

  @Override
  public void onError(Throwable t) {
    if (!cancelled) {
      client.streamFailed(t);
    }
  }

  @Override
  public void onCompleted() {
    if (!cancelled) {
      client.streamFailed(new IllegalStateException("the server closed the stream"));
    }
  }
}
