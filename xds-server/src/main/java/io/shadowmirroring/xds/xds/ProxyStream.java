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
  private volatile ResourceSet served;
  private final Map<String, TypeState> types = new TreeMap<>();

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

  synchronized void nacked(String typeUrl, Nack nack) {
    TypeState s = type(typeUrl);
    types.put(typeUrl, new TypeState(typeUrl, s.sentVersion(), s.sentNonce(), s.ackedVersion(), Optional.of(nack)));
  }

  /**
   * What the stream is meant to hold now: its profile's target, or a make-before-break step on the
   * way there; empty before the first config.
   */
  public Optional<ResourceSet> served() {
    return Optional.ofNullable(served);
  }

  void served(ResourceSet resources) {
    this.served = resources;
  }
}
