package io.shadowmirroring.xds.analysis;

import io.shadowmirroring.xds.model.ServiceRef;
import java.util.List;

/** Answers "how does each shadow of this Service compare with production right now". */
public interface ShadowJudge {

  /** One entry per mirrored port and target of the Service, sorted; empty when it mirrors nothing. */
  List<TargetComparison> compare(ServiceRef service);
}
