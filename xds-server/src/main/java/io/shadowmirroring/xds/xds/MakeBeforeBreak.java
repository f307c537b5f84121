package io.shadowmirroring.xds.xds;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The steps one stream takes from what it holds to its profile's target. Routes are not warmed by
 * Envoy, so a route must never name a cluster (mirror clusters included) the proxy does not hold yet;
 * and a cluster is removed only after no route names it any more:
 * <ol>
 *   <li>{@link Kind#WARM_CLUSTERS}: the target's clusters and endpoints next to the old listeners and
 *       routes, until the stream ACKs both CDS and EDS;
 *   <li>{@link Kind#REROUTE}: the target's listeners and routes, the clusters nothing references any
 *       more still there, until the stream ACKs LDS and RDS;
 *   <li>{@link Kind#FINAL}: the target itself.
 * </ol>
 * Steps are skipped when they would change nothing: an endpoint-only change goes out at once.
 */
final class MakeBeforeBreak {
  enum Kind { WARM_CLUSTERS, REROUTE, FINAL }

  private MakeBeforeBreak() {}

  /**
   * The next step from what a stream holds towards the target.
   *
   * @param heldClusters the clusters the stream is known to hold, endpoints included (ACKed)
   */
  static Kind next(ResourceSet held, Set<String> heldClusters, ResourceSet target) {
    boolean routingChanges = !held.version(XdsTypes.LISTENER).equals(target.version(XdsTypes.LISTENER))
        || !held.version(XdsTypes.ROUTE).equals(target.version(XdsTypes.ROUTE));
    if (!routingChanges) {
      return Kind.FINAL;
    }
    // Equal names keys, equal cluster names: a route change that keeps the clusters (the common case)
    // costs no lookup per cluster, per stream.
    boolean sameClusters = held.namesKey(XdsTypes.CLUSTER).equals(target.namesKey(XdsTypes.CLUSTER));
    Set<String> targetClusters = target.resources(XdsTypes.CLUSTER).keySet();
    boolean holdsAll = sameClusters && heldClusters == held.resources(XdsTypes.CLUSTER).keySet();
    if (!holdsAll && !heldClusters.containsAll(targetClusters)) {
      return Kind.WARM_CLUSTERS;
    }
    if (!sameClusters && !targetClusters.containsAll(held.resources(XdsTypes.CLUSTER).keySet())) {
      return Kind.REROUTE;
    }
    return Kind.FINAL;
  }

  /** The resources of a step; the target's resources win where both have a name. */
  static Map<String, SortedMap<String, PreparedResource>> resources(Kind kind, ResourceSet held, ResourceSet target) {
    Map<String, SortedMap<String, PreparedResource>> step = new HashMap<>();
    for (String type : XdsTypes.SERVED) {
      step.put(type, new TreeMap<>(target.resources(type)));
    }
    if (kind == Kind.FINAL) {
      return step;
    }
    for (String type : new String[] {XdsTypes.CLUSTER, XdsTypes.ENDPOINT}) {
      SortedMap<String, PreparedResource> union = new TreeMap<>(held.resources(type));
      union.putAll(target.resources(type));
      step.put(type, union);
    }
    if (kind == Kind.WARM_CLUSTERS) {
      step.put(XdsTypes.LISTENER, new TreeMap<>(held.resources(XdsTypes.LISTENER)));
      step.put(XdsTypes.ROUTE, new TreeMap<>(held.resources(XdsTypes.ROUTE)));
    }
    return step;
  }
}
