package io.shadowmirroring.xds.model;

import java.util.Comparator;

/** A ready backend address for a cluster. */
public record EndpointAddress(String ip, int port, String zone) implements Comparable<EndpointAddress> {
  private static final Comparator<EndpointAddress> ORDER = Comparator.comparing(EndpointAddress::zone)
      .thenComparing(EndpointAddress::ip).thenComparingInt(EndpointAddress::port);

  @Override
  public int compareTo(EndpointAddress other) {
    return ORDER.compare(this, other);
  }
}
