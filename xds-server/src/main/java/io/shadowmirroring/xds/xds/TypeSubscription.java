package io.shadowmirroring.xds.xds;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One stream's subscription to one type: the names asked for (or all), what the client was sent of
 * them, and the versions and nonces on the wire. Guarded by the owning stream's lock.
 */
final class TypeSubscription {
  private static final int NONCES_KEPT = 8;

  final String typeUrl;
  boolean wildcard;
  Set<String> names = Set.of();
  /**
   * What the client was sent, by name: after a response it is the very map the stream selected, shared
   * with the {@link ResourceSet}, so a stream that holds a whole type costs no copy. A NACKed response
   * still counts as sent: it is not sent again until something changes.
   */
  Map<String, PreparedResource> sent = Map.of();
  /** Assignments to send again although unchanged, because their cluster changed (warming). */
  final Set<String> resend = new HashSet<>();
  /** The version a state-of-the-world client says it holds in its first request (a reconnect). */
  String claimedVersion = "";
  String sentVersion = "";
  String ackedVersion = "";
  boolean answered;
  /** The versions of the latest responses by nonce: a delta ACK names only the nonce. */
  private final Map<String, String> versionsByNonce = new LinkedHashMap<>(NONCES_KEPT, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > NONCES_KEPT;
    }
  };

  TypeSubscription(String typeUrl) {
    this.typeUrl = typeUrl;
  }

  void sent(String nonce, String version) {
    versionsByNonce.put(nonce, version);
    sentVersion = version;
    answered = true;
  }

  /** The version sent with this nonce; empty when unknown (too old, or not ours). */
  String versionOf(String nonce) {
    return versionsByNonce.getOrDefault(nonce, "");
  }

  private String lastCovered;

  /** Whether every child the parents of {@code set} name is subscribed; remembered by the names' key. */
  boolean coversAllChildren(ResourceSet set, String parentType) {
    String key = set.childrenKey(parentType);
    if (wildcard || key.equals(lastCovered)) {
      return true;
    }
    if (names.containsAll(set.allChildren(parentType))) {
      lastCovered = key;
      return true;
    }
    return false;
  }

  /** Whether every named child is subscribed. */
  boolean covers(Set<String> children) {
    return wildcard || names.containsAll(children);
  }

  /** Sets the names as they are, what was sent left to the caller. */
  void replaceNames(Set<String> subscribed) {
    names = subscribed;
    lastCovered = null;
    lastSelectedAll = null;
  }

  /** Forgets what was sent of names no longer subscribed, so a later subscription gets them again. */
  void names(Set<String> subscribed) {
    names = subscribed;
    lastCovered = null;
    lastSelectedAll = null;
    if (!subscribed.containsAll(sent.keySet())) {
      Map<String, PreparedResource> kept = new TreeMap<>();
      sent.forEach((name, resource) -> {
        if (subscribed.contains(name)) {
          kept.put(name, resource);
        }
      });
      sent = kept;
    }
  }

  /** The resources of this type the client asked for, out of those given. */
  private String lastSelectedAll;

  /** The resources of this type in the set that the client asked for; the set's own map when all. */
  SortedMap<String, PreparedResource> select(ResourceSet set) {
    SortedMap<String, PreparedResource> all = set.resources(typeUrl);
    if (wildcard) {
      return all;
    }
    String key = set.namesKey(typeUrl);
    if (key.equals(lastSelectedAll)) {
      return all;
    }
    if (names.size() >= all.size() && names.containsAll(all.keySet())) {
      // Remembered by the names' key: the next target with the same names needs no check.
      lastSelectedAll = key;
      return all;
    }
    SortedMap<String, PreparedResource> selected = new TreeMap<>();
    for (String name : names) {
      PreparedResource resource = all.get(name);
      if (resource != null) {
        selected.put(name, resource);
      }
    }
    return selected;
  }

  /** True when the client was sent exactly these resources and ACKed the latest response. */
  boolean holds(Map<String, PreparedResource> selected) {
    if (!sentVersion.isEmpty() && !ackedVersion.equals(sentVersion)) {
      return false;
    }
    if (!resend.isEmpty()) {
      return false;
    }
    if (sent == selected) {
      return true;
    }
    for (Map.Entry<String, PreparedResource> entry : selected.entrySet()) {
      PreparedResource had = sent.get(entry.getKey());
      if (had == null || !had.hash().equals(entry.getValue().hash())) {
        return false;
      }
    }
    return true;
  }
}
