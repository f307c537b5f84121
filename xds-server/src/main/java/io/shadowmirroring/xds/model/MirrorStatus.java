package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the server makes of one Service's annotations.
 *
 * @param effective the spec being served; empty when there is none or the annotations are invalid
 * @param error the validation error, empty unless state is INVALID
 * @param targetsByPort per primary port, the copies sent (the promoted target excluded)
 * @param promotedByPort per primary port, the cluster that takes the live traffic when promoted
 * @param notices what the served spec does that its author may not expect ({@link MirrorNotices})
 */
public record MirrorStatus(
    ServiceRef service, State state, Optional<MirrorSpec> effective, String error,
    Map<Integer, List<MirrorCopy>> targetsByPort, Map<Integer, ClusterRef> promotedByPort,
    Map<String, String> annotations, List<String> notices) {

  public enum State { NONE, MIRRORING, PROMOTED, INVALID }

  public MirrorStatus {
    targetsByPort = Map.copyOf(targetsByPort);
    promotedByPort = Map.copyOf(promotedByPort);
    annotations = Map.copyOf(annotations);
    notices = List.copyOf(notices);
  }

  /** A status without notices. */
  public MirrorStatus(
      ServiceRef service, State state, Optional<MirrorSpec> effective, String error,
      Map<Integer, List<MirrorCopy>> targetsByPort, Map<Integer, ClusterRef> promotedByPort,
      Map<String, String> annotations) {
    this(service, state, effective, error, targetsByPort, promotedByPort, annotations, List.of());
  }
}
