package io.shadowmirroring.xds.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** What the server knows of one xDS stream: who is on it and what each resource type got. */
public final class ProxyStream {
  private final long streamId;
  private final Instant connectedSince;
  private final boolean delta;
  private volatile Node node;
  private volatile ProxyProfile profile;
  private volatile String peerAddress = "";
  private final Map<String, TypeState> types = new TreeMap<>();
  // The version a NACK rejected, per type, until the watch for that NACK is opened. Kept on the stream
  // so it goes away with the stream, and holds at most one entry per type.
  private final Map<String, String> rejectedPending = new TreeMap<>();

  ProxyStream(long streamId, Instant connectedSince, boolean delta) {
    this.streamId = streamId;
    this.connectedSince = connectedSince;
    this.delta = delta;
  }

  /** Per resource type: last version sent (and its nonce), last version ACKed, last NACK. */
  public record TypeState(
      String typeUrl, String sentVersion, String sentNonce, String ackedVersion, Optional<Nack> lastNack) {
    static TypeState empty(String typeUrl) {
      return new TypeState(typeUrl, "", "", "", Optional.empty());
    }
  }

  public record Nack(String version, String errorDetail, Instant at) {}

  public long streamId() {
    return streamId;
  }

  public Instant connectedSince() {
    return connectedSince;
  }

  public boolean delta() {
    return delta;
  }

  public Optional<Node> node() {
    return Optional.ofNullable(node);
  }

  public Optional<ProxyProfile> profile() {
    return Optional.ofNullable(profile);
  }

  public String peerAddress() {
    return peerAddress;
  }

  void identify(Node node, ProxyProfile profile) {
    this.node = node;
    this.profile = profile;
  }

  void peerAddress(String address) {
    this.peerAddress = address;
  }

  public synchronized Map<String, TypeState> types() {
    return Map.copyOf(types);
  }

  synchronized TypeState type(String typeUrl) {
    return types.getOrDefault(typeUrl, TypeState.empty(typeUrl));
  }

  synchronized void sent(String typeUrl, String version, String nonce) {
    TypeState s = type(typeUrl);
    types.put(typeUrl, new TypeState(typeUrl, version, nonce, s.ackedVersion(), s.lastNack()));
  }

  synchronized void acked(String typeUrl, String version) {
    TypeState s = type(typeUrl);
    types.put(typeUrl, new TypeState(typeUrl, s.sentVersion(), s.sentNonce(), version, s.lastNack()));
  }

  synchronized void rejected(String typeUrl, String version) {
    rejectedPending.put(typeUrl, version);
  }

  synchronized Optional<String> takeRejected(String typeUrl) {
    return Optional.ofNullable(rejectedPending.remove(typeUrl));
  }

  synchronized int pendingRejections() {
    return rejectedPending.size();
  }

  synchronized void nacked(String typeUrl, Nack nack) {
    TypeState s = type(typeUrl);
    types.put(typeUrl, new TypeState(typeUrl, s.sentVersion(), s.sentNonce(), s.ackedVersion(), Optional.of(nack)));
  }

  /**
   * True when the client ACKed exactly this version, or never took part in this type (it was never sent
   * any), so there is nothing to wait for. A NACK is not an answer here: the client kept its old version.
   */
  synchronized boolean hasAcked(String typeUrl, String version) {
    TypeState s = types.get(typeUrl);
    if (s == null || s.sentVersion().isEmpty()) {
      return true;
    }
    return s.ackedVersion().equals(version);
  }

  /** True when the client's latest NACK of this type rejected exactly this version. */
  synchronized boolean hasNacked(String typeUrl, String version) {
    TypeState s = types.get(typeUrl);
    return s != null && s.lastNack().map(n -> n.version().equals(version)).orElse(false);
  }

  /**
   * True when the client answered (ACK or NACK) the last version of this type it was sent, or was never
   * sent one. A client that is behind has no open watch for the type, so it would not be sent a new
   * version anyway until it answers the old one.
   */
  synchronized boolean caughtUp(String typeUrl) {
    TypeState s = types.get(typeUrl);
    if (s == null || s.sentVersion().isEmpty()) {
      return true;
    }
    return s.ackedVersion().equals(s.sentVersion())
        || s.lastNack().map(n -> n.version().equals(s.sentVersion())).orElse(false);
  }
}
