package io.shadowmirroring.xds.model;

import java.util.Comparator;

/** One port of one Service: the unit that becomes an Envoy cluster. */
public record ClusterRef(ServiceRef service, int port) implements Comparable<ClusterRef> {
  private static final Comparator<ClusterRef> ORDER =
      Comparator.comparing(ClusterRef::service).thenComparingInt(ClusterRef::port);

  @Override
  public int compareTo(ClusterRef other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return service + ":" + port;
  }
}
