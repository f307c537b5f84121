package io.shadowmirroring.xds.xds;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read model of every open xDS stream (node, profile, versions sent, ACKs and NACKs) for
 * ListProxies, CSDS, {@code --wait} and metrics. It logs and counts each NACK with its error detail,
 * and each refused stream with its reason. The node is kept per stream: an Envoy with
 * {@code set_node_on_first_message_only} sends it only in a stream's first request.
 */
public final class ProxyRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(ProxyRegistry.class);

  private final Map<Long, ProxyStream> streams = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final NodeClassifier classifier;
  private final MeterRegistry meters;
  private final Clock clock;
  /** By name, then type URL. */
  private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();
  private static final int METADATA_KEPT = 64;
  static final int METADATA_SHARED_BYTES = 4096;
  private final Map<Struct, Struct> recentMetadata = new LinkedHashMap<>(METADATA_KEPT, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Struct, Struct> eldest) {
      return size() > METADATA_KEPT;
    }
  };

  public ProxyRegistry(NodeClassifier classifier, MeterRegistry meters, Clock clock) {
    this.classifier = classifier;
    this.meters = meters;
    this.clock = clock;
    meters.gauge("shadow_mirroring_xds_streams", streams, Map::size);
  }

  public Collection<ProxyStream> streams() {
    return List.copyOf(streams.values());
  }

  /** Every identified stream of a profile. */
  public List<ProxyStream> streamsOf(ProxyProfile profile) {
    return streams.values().stream().filter(s -> s.profile().filter(profile::equals).isPresent()).toList();
  }

  ProxyStream open(boolean delta) {
    ProxyStream stream = new ProxyStream(ids.incrementAndGet(), clock.instant(), delta);
    String peer = PeerAddressInterceptor.PEER_ADDRESS.get();
    stream.peerAddress(peer == null ? "" : peer);
    streams.put(stream.streamId(), stream);
    return stream;
  }

  /** Records who is on the stream and returns its profile. */
  ProxyProfile identify(ProxyStream stream, Node node) {
    ProxyProfile profile = classifier.hash(node);
    stream.identify(sharedMetadata(node), profile);
    LOG.info("xDS client connected: node {} cluster {} agent {} ({}{})", node.getId(), node.getCluster(),
        node.getUserAgentName(), profile, stream.delta() ? ", delta" : "");
    classifier.problems(node).forEach(problem -> LOG.warn("node {}: {}", node.getId(), problem));
    return profile;
  }

  /**
   * The node with the very metadata Struct an earlier node with equal metadata got, if it is kept.
   * Proxies of one profile send the same metadata, and a parsed Struct with its map, keys and values
   * costs each stream about 0.5 KB for good (bench scenario 6 counts idle streams). A few recent ones
   * are kept, bounded in number, as in {@link SharedNames}, and only small ones (at most {@link
   * #METADATA_SHARED_BYTES} on the wire), so that closed streams' metadata kept here stays small too.
   */
  Node sharedMetadata(Node node) {
    if (!node.hasMetadata() || node.getMetadata().getSerializedSize() > METADATA_SHARED_BYTES) {
      return node;
    }
    Struct metadata = node.getMetadata();
    Struct kept;
    synchronized (recentMetadata) {
      kept = recentMetadata.putIfAbsent(metadata, metadata);
    }
    return kept == null || kept == metadata ? node : node.toBuilder().setMetadata(kept).build();
  }

  void closed(ProxyStream stream) {
    streams.remove(stream.streamId());
  }

  void acked(ProxyStream stream, String typeUrl, String version) {
    stream.acked(typeUrl, version);
    counter("shadow_mirroring_xds_acks_total", typeUrl).increment();
  }

  void nacked(ProxyStream stream, String typeUrl, String version, String detail) {
    stream.nacked(typeUrl, new ProxyStream.Nack(version, detail, clock.instant()));
    counter("shadow_mirroring_xds_nacks_total", typeUrl).increment();
    LOG.warn("NACK from node {} for {} version {}: {}", nodeId(stream), XdsTypes.shortName(typeUrl),
        version.isEmpty() ? "?" : version, detail.replace('\n', ' '));
  }

  void sent(ProxyStream stream, String typeUrl, String version, String nonce) {
    stream.sent(typeUrl, version, nonce);
    counter("shadow_mirroring_xds_responses_total", typeUrl).increment();
  }

  /** A stream ended with an error status because of what it asked for. */
  void refused(ProxyStream stream, String reason, String description) {
    meters.counter("shadow_mirroring_xds_refused_streams_total", "reason", reason).increment();
    LOG.warn("refused xDS stream {} of node {} from {}: {}", stream.streamId(), nodeId(stream), stream.peerAddress(),
        description);
  }

  /** A stream has not ACKed a make-before-break step within the ack wait: it keeps its old routes. */
  void stepOverdue(ProxyStream stream, String step, long waitedMillis) {
    meters.counter("shadow_mirroring_xds_steps_overdue_total").increment();
    LOG.info("node {} has not ACKed the {} step within {} ms; it keeps its {} until it does", nodeId(stream),
        step, waitedMillis, step.equals("WARM_CLUSTERS") ? "old routes" : "old clusters");
  }

  private Counter counter(String name, String typeUrl) {
    // Looked up once per (name, type): each response and each ACK counts, a thousand streams at a time,
    // and a registry lookup builds an id and its tags every time.
    return counters.computeIfAbsent(name, n -> new ConcurrentHashMap<>())
        .computeIfAbsent(typeUrl, type -> meters.counter(name, "type", XdsTypes.shortName(type)));
  }

  private static String nodeId(ProxyStream stream) {
    return stream.node().map(Node::getId).orElse("?");
  }
}
