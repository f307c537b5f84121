package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A spec checked against the other Services: for each port of the primary, the target clusters.
 *
 * @param copiesByPort primary port number to the copies sent from it (promoted target excluded)
 * @param promotedByPort primary port number to the promoted target's cluster, when promote is set
 */
public record ResolvedMirror(
    MirrorSpec spec, Map<Integer, List<MirrorCopy>> copiesByPort, Map<Integer, ClusterRef> promotedByPort) {

  public ResolvedMirror {
    copiesByPort = Map.copyOf(copiesByPort);
    promotedByPort = Map.copyOf(promotedByPort);
  }

  public Optional<ClusterRef> promotedFor(int port) {
    return Optional.ofNullable(promotedByPort.get(port));
  }
}
