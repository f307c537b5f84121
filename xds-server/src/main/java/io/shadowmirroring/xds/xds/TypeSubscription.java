package io.shadowmirroring.xds.xds;

import java.util.Arrays;
import java.util.HashSet;
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
   * The encoded names of a state-of-the-world request that asked for {@link #names} (shared with equal
   * subscriptions, {@link SharedNames}); a request with these very bytes asks for the same. Null when
   * unknown (wildcard, delta).
   */
  byte[] namesBytes;
  /**
   * What the client was sent, by name: after a response it is the very map the stream selected, shared
   * with the {@link ResourceSet}, so a stream that holds a whole type costs no copy. A NACKed response
   * still counts as sent: it is not sent again until something changes.
   */
  Map<String, PreparedResource> sent = Map.of();
  /**
   * Assignments to send again although unchanged, because their cluster changed (warming). Empty and
   * shared until needed, and dropped rather than cleared once sent: a cleared HashSet keeps its table,
   * 64 KB per stream for good after a change to 10,000 clusters (bench scenario 6 counts idle streams).
   */
  private Set<String> resend = Set.of();
  /** The version a state-of-the-world client says it holds in its first request (a reconnect). */
  String claimedVersion = "";
  String sentVersion = "";
  String ackedVersion = "";
  boolean answered;
  /**
   * The versions of the latest responses by nonce, a delta ACK names only the nonce: a ring of the
   * last {@link #NONCES_KEPT}. The stream's nonces are its counter in decimal, so they are kept as
   * numbers (0 unused): two small arrays instead of a LinkedHashMap with an entry and a String per
   * nonce, about 0.7 KB per type and stream once eight responses went out.
   */
  private long[] nonces;
  private String[] versions;
  private int nextNonce;

  TypeSubscription(String typeUrl) {
    this.typeUrl = typeUrl;
  }

  void sent(String nonce, String version) {
    long number = nonceNumber(nonce);
    if (number > 0) {
      if (nonces == null) {
        nonces = new long[2];
        versions = new String[2];
      } else if (nextNonce == nonces.length && nonces.length < NONCES_KEPT) {
        // Grown while not yet full, so the ring has not wrapped: most streams send a type a few times.
        nonces = Arrays.copyOf(nonces, nonces.length * 2);
        versions = Arrays.copyOf(versions, versions.length * 2);
      }
      nonces[nextNonce] = number;
      versions[nextNonce] = version;
      nextNonce = (nextNonce + 1) % NONCES_KEPT;
    }
    sentVersion = version;
    answered = true;
  }

  /** The version sent with this nonce; empty when unknown (too old, or not ours). */
  String versionOf(String nonce) {
    long number = nonceNumber(nonce);
    if (number > 0 && nonces != null) {
      for (int i = 0; i < nonces.length; i++) {
        if (nonces[i] == number) {
          return versions[i];
        }
      }
    }
    return "";
  }

  /**
   * A nonce as the stream writes them (a positive decimal, no sign or leading zero), or 0 for any
   * other text, which was then not sent by this stream.
   */
  static long nonceNumber(String nonce) {
    int length = nonce.length();
    if (length == 0 || length > 18 || nonce.charAt(0) < '1' || nonce.charAt(0) > '9') {
      return 0;
    }
    long number = 0;
    for (int i = 0; i < length; i++) {
      char c = nonce.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
      number = number * 10 + (c - '0');
    }
    return number;
  }

  boolean resendPending() {
    return !resend.isEmpty();
  }

  boolean resends(String name) {
    return resend.contains(name);
  }

  void resend(String name) {
    if (resend.isEmpty()) {
      resend = new HashSet<>();
    }
    resend.add(name);
  }

  void resendDone() {
    resend = Set.of();
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
