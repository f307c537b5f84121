package io.shadowmirroring.xds.model;

/** One port of one Service: the unit that becomes an Envoy cluster. */
public record ClusterRef(ServiceRef service, int port) implements Comparable<ClusterRef> {
  /** By Service, then port. Written out: models are sorted and walked by it on every build. */
  @Override
  public int compareTo(ClusterRef other) {
    if (this == other) {
      return 0;
    }
    int byService = service.compareTo(other.service);
    return byService != 0 ? byService : Integer.compare(port, other.port);
  }

  @Override
  public String toString() {
    return service + ":" + port;
  }
}
