package io.shadowmirroring.xds.model;

/**
 * Circuit breakers of a mirror cluster (the {@code shadow-mirroring.io/mirror-limits} annotation), so
 * that a slow or dead shadow can only drop copies, never hold up production. Envoy applies the mirror
 * cluster's breakers to copies; copies refused on overflow count in its {@code upstream_rq_pending_overflow}.
 */
public record MirrorLimits(int maxConnections, int maxPendingRequests, int maxRequests) {

  public static final MirrorLimits DEFAULT = new MirrorLimits(100, 50, 100);

  /** The annotation form, every setting spelled out: {@code max-connections=100,max-pending-requests=50,...}. */
  public String annotationValue() {
    return MirrorLimitsAnnotation.MAX_CONNECTIONS + "=" + maxConnections + ","
        + MirrorLimitsAnnotation.MAX_PENDING_REQUESTS + "=" + maxPendingRequests + ","
        + MirrorLimitsAnnotation.MAX_REQUESTS + "=" + maxRequests;
  }
}
