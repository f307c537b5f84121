package io.shadowmirroring.xds.xds;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Set;

/**
 * One set for equal subscriptions: a state-of-the-world client names every assignment or route it
 * wants in every request, and proxies of one profile name the same ones. At 10,000 Services each
 * stream's EDS names cost about 1 MB of heap (10,000 strings and a hash set), so 1,000 proxies kept
 * 1,000 copies and a 1 GB heap ran out (bench scenario 6); shared, they cost one. The sets are
 * immutable, which {@link TypeSubscription} allows: it replaces its names and never changes them. A few
 * recent sets are kept, bounded in number, so a shape no stream uses any more is soon forgotten. One
 * instance per server, owned by the {@link SnapshotPublisher}.
 */
final class SharedNames {
  private static final int KEPT = 64;
  /**
   * At most this many names in all the kept sets (a few times the largest subscription allowed), so
   * clients that send many large, distinct lists cannot make the server keep them after they are gone.
   */
  static final int NAMES_KEPT = 4 * ServingStream.MAX_NAMES;
  private final LinkedHashMap<Set<String>, Names> recent = new LinkedHashMap<>(KEPT, 0.75f, true);
  private long namesKept;

  /**
   * A subscription's names: the set, and the encoded {@code resource_names} of a request that asked for
   * them ({@link SotwRequest}), against which later requests are compared as bytes, with its
   * {@link SotwRequest#sampleHash}.
   */
  record Names(Set<String> set, byte[] wire, int wireHash) {
    Names(Set<String> set, byte[] wire) {
      this(set, wire, wire == null ? 0 : SotwRequest.sampleHash(wire, 0, wire.length));
    }
  }

  /**
   * The kept names a request encodes byte for byte as the request they were kept from, without
   * decoding it; null if none. Proxies of one profile send the very same bytes (Envoy orders a type's
   * names the same way from the same watches), so of a thousand proxies connecting at once only the
   * first decodes its 1,000 EDS names, hashes them and compares sets; the others compare bytes with at
   * most {@link #KEPT} kept encodings, of which only those of equal sampled hash are read whole.
   */
  Names ofWire(SotwRequest request) {
    if (request.namesCount() == 0) {
      return null;
    }
    int hash = request.namesSampleHash();
    synchronized (recent) {
      Names found = null;
      for (Names kept : recent.values()) {
        if (kept.wire != null && kept.wireHash == hash && request.namesEqual(kept.wire)) {
          found = kept;
          break;
        }
      }
      if (found != null) {
        // As recently used as a lookup by the set would make it.
        recent.get(found.set);
      }
      return found;
    }
  }

  /** An immutable set of the names (duplicates dropped), the very one earlier equal names got if it is kept. */
  Set<String> of(Collection<String> names) {
    return of(names, null).set();
  }

  /**
   * The names with their encoding: those earlier equal names got if they are kept (the encoding then is
   * the earlier request's, which may order the names differently), else these.
   */
  Names of(Collection<String> names, byte[] wire) {
    Set<String> set = Set.copyOf(names);
    synchronized (recent) {
      Names kept = recent.get(set);
      if (kept != null) {
        return kept;
      }
      Names fresh = new Names(set, wire);
      recent.put(set, fresh);
      namesKept += set.size();
      var eldest = recent.entrySet().iterator();
      while (recent.size() > KEPT || (namesKept > NAMES_KEPT && recent.size() > 1)) {
        namesKept -= eldest.next().getKey().size();
        eldest.remove();
      }
      return fresh;
    }
  }
}
