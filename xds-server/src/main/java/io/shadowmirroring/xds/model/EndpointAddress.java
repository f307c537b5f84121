package io.shadowmirroring.xds.model;

import java.util.Comparator;

/**
 * A backend address for a cluster.
 *
 * @param draining the endpoint is terminating but still serving: Envoy gets it with health status
 *     DRAINING, so it takes no new requests while others are healthy, yet is not cut off
 */
public record EndpointAddress(String ip, int port, String zone, boolean draining)
    implements Comparable<EndpointAddress> {
  private static final Comparator<EndpointAddress> ORDER = Comparator.comparing(EndpointAddress::zone)
      .thenComparing(EndpointAddress::ip).thenComparingInt(EndpointAddress::port)
      .thenComparing(EndpointAddress::draining);

  /** A ready endpoint. */
  public EndpointAddress(String ip, int port, String zone) {
    this(ip, port, zone, false);
  }

  @Override
  public int compareTo(EndpointAddress other) {
    return ORDER.compare(this, other);
  }
}
