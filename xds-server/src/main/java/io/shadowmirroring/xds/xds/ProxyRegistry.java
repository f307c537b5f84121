package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every xDS stream: node, versions sent, ACKs and NACKs. It logs and counts each NACK with its
 * error detail, and tells {@link NackAwareConfigWatcher} which stream a request came on: its node (an
 * Envoy with {@code set_node_on_first_message_only} sends it only in a stream's first request) and the
 * version a NACK rejected, so that version is not sent again.
 *
 * <p>java-control-plane calls these callbacks on its stream threads; they never throw, because a
 * throwing callback can leak watches or stop pushes for good.
 */
public final class ProxyRegistry implements DiscoveryServerCallbacks {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyRegistry.class);

  private final Map<Long, ProxyStream> streams = new ConcurrentHashMap<>();
  // java-control-plane runs the request callbacks and then opens the watch for that request on the same
  // thread, synchronously (DiscoveryRequestStreamObserver.onNext), and createWatch is not told the
  // stream. So the callback notes the stream here and the watcher takes it. One entry per thread at
  // most, overwritten by the next request, so nothing accumulates when no watch follows.
  private final ThreadLocal<Long> requestStream = new ThreadLocal<>();
  private final NodeClassifier classifier;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Consumer<ProxyProfile> onNewNode;
  private final List<Consumer<ProxyProfile>> answerListeners = new CopyOnWriteArrayList<>();

  /**
   * @param onNewNode told about each identified stream's profile, so that a snapshot exists for it
   *     before the cache answers the request
   */
  public ProxyRegistry(NodeClassifier classifier, MeterRegistry meters, Clock clock, Consumer<ProxyProfile> onNewNode) {
    this.classifier = classifier;
    this.meters = meters;
    this.clock = clock;
    this.onNewNode = onNewNode;
    meters.gauge("shadow_mirroring_xds_streams", streams, Map::size);
  }

  public Collection<ProxyStream> streams() {
    return List.copyOf(streams.values());
  }

  /** Every identified stream in a snapshot group. */
  public List<ProxyStream> streamsOf(ProxyProfile profile) {
    return streams.values().stream().filter(s -> s.profile().filter(profile::equals).isPresent()).toList();
  }

  /**
   * Tells the listener the profile of every stream that ACKed, NACKed or closed, on the stream's thread.
   * A listener must return at once and not throw.
   */
  public void onAnswer(Consumer<ProxyProfile> listener) {
    answerListeners.add(listener);
  }

  private void answered(ProxyStream stream) {
    stream.profile().ifPresent(profile -> answerListeners.forEach(listener -> listener.accept(profile)));
  }

  /**
   * The stream of the request whose callbacks just ran on this thread, once; empty when the request
   * could not be recorded.
   */
  Optional<ProxyStream> takeRequestStream() {
    Long id = requestStream.get();
    requestStream.remove();
    return id == null ? Optional.empty() : Optional.ofNullable(streams.get(id));
  }

  /** NACKed versions not yet taken by a watch, over every open stream. */
  int pendingRejections() {
    return streams.values().stream().mapToInt(ProxyStream::pendingRejections).sum();
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    // Delta streams are opened through the same callback; they are told apart at their first request.
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    closed(streamId);
  }

  private void closed(long streamId) {
    ProxyStream stream = streams.remove(streamId);
    if (stream != null) {
      try {
        answered(stream);
      } catch (RuntimeException e) {
        LOG.error("xDS stream {}: could not report its close", streamId, e);
      }
    }
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    closed(streamId);
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    requestStream.remove();
    try {
      ProxyStream stream = stream(streamId, false, request.getNode());
      requestStream.set(streamId);
      String type = request.getTypeUrl();
      if (request.hasErrorDetail()) {
        ProxyStream.TypeState state = stream.type(type);
        // The server answers only requests whose nonce is its latest, so a NACK rejects the latest version.
        String rejected = request.getResponseNonce().equals(state.sentNonce()) ? state.sentVersion() : "";
        if (!rejected.isEmpty()) {
          stream.rejected(type, rejected);
        }
        nack(stream, type, rejected, request.getErrorDetail().getMessage());
        answered(stream);
      } else if (!request.getResponseNonce().isEmpty() && !request.getVersionInfo().isEmpty()) {
        stream.acked(type, request.getVersionInfo());
        counter("shadow_mirroring_xds_acks_total", type).increment();
        answered(stream);
      }
    } catch (RuntimeException e) {
      LOG.error("xDS stream {}: could not record request", streamId, e);
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    requestStream.remove();
    try {
      ProxyStream stream = stream(streamId, true, request.getNode());
      requestStream.set(streamId);
      String type = request.getTypeUrl();
      ProxyStream.TypeState state = stream.type(type);
      if (request.hasErrorDetail()) {
        nack(stream, type, state.sentVersion(), request.getErrorDetail().getMessage());
        answered(stream);
      } else if (!request.getResponseNonce().isEmpty() && request.getResponseNonce().equals(state.sentNonce())) {
        stream.acked(type, state.sentVersion());
        counter("shadow_mirroring_xds_acks_total", type).increment();
        answered(stream);
      }
    } catch (RuntimeException e) {
      LOG.error("xDS delta stream {}: could not record request", streamId, e);
    }
  }

  @Override
  public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    sent(streamId, response.getTypeUrl(), response.getVersionInfo(), response.getNonce());
  }

  @Override
  public void onV3StreamDeltaResponse(
      long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    sent(streamId, response.getTypeUrl(), response.getSystemVersionInfo(), response.getNonce());
  }

  private void sent(long streamId, String type, String version, String nonce) {
    try {
      ProxyStream stream = streams.get(streamId);
      if (stream != null) {
        stream.sent(type, version, nonce);
      }
      counter("shadow_mirroring_xds_responses_total", type).increment();
    } catch (RuntimeException e) {
      LOG.error("xDS stream {}: could not record response", streamId, e);
    }
  }

  private ProxyStream stream(long streamId, boolean delta, Node node) {
    ProxyStream stream = streams.computeIfAbsent(streamId, id -> {
      ProxyStream created = new ProxyStream(id, clock.instant(), delta);
      String peer = PeerAddressInterceptor.PEER_ADDRESS.get();
      created.peerAddress(peer == null ? "" : peer);
      return created;
    });
    // Only the first request of a stream must carry the node.
    if (stream.node().isEmpty() && !node.equals(Node.getDefaultInstance())) {
      ProxyProfile profile = classifier.hash(node);
      stream.identify(node, profile);
      LOG.info("xDS client connected: node {} cluster {} agent {} ({}{})", node.getId(), node.getCluster(),
          node.getUserAgentName(), profile, delta ? ", delta" : "");
      classifier.problems(node).forEach(problem -> LOG.warn("node {}: {}", node.getId(), problem));
      onNewNode.accept(profile);
    }
    return stream;
  }

  private void nack(ProxyStream stream, String type, String version, String detail) {
    String node = stream.node().map(Node::getId).orElse("?");
    stream.nacked(type, new ProxyStream.Nack(version, detail, clock.instant()));
    counter("shadow_mirroring_xds_nacks_total", type).increment();
    LOG.warn("NACK from node {} for {} version {}: {}", node, shortType(type), version.isEmpty() ? "?" : version,
        detail.replace('\n', ' '));
  }

  private Counter counter(String name, String typeUrl) {
    return meters.counter(name, "type", shortType(typeUrl));
  }

  static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
