package io.shadowmirroring.xds.model;

import java.util.List;

/**
 * Where a Service port's requests go.
 *
 * @param live the cluster whose responses users get: the Service itself, or the promoted target
 * @param mirrors copies, sorted by cluster; empty when nothing is mirrored
 * @param methods which requests are copied
 * @param keepHost true to keep the Host header as is instead of Envoy's {@code -shadow} suffix
 * @param limits the circuit breakers of the cluster that receives each copy
 */
public record RoutePolicy(
    ClusterRef live, List<MirrorCopy> mirrors, MethodSet methods, boolean keepHost, MirrorLimits limits) {
  public RoutePolicy {
    mirrors = mirrors.stream().sorted(java.util.Comparator.comparing(MirrorCopy::cluster)).toList();
  }

  /** A policy whose copies get the default limits. */
  public RoutePolicy(ClusterRef live, List<MirrorCopy> mirrors, MethodSet methods, boolean keepHost) {
    this(live, mirrors, methods, keepHost, MirrorLimits.DEFAULT);
  }

  public static RoutePolicy direct(ClusterRef cluster) {
    return new RoutePolicy(cluster, List.of(), MethodSet.DEFAULT, false);
  }
}
