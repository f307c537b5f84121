package io.shadowmirroring.xds.automation;

import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.ServiceEvent;

/** A decision the automation took on a mirror: promote a target, or stop mirroring to one. */
public record AutomaticAction(ServiceRef service, Kind kind, ServiceRef target, String message) {

  public enum Kind {
    /** {@code auto-promote}: live traffic goes to a target that passed for a whole window. */
    PROMOTE("ShadowPromoted", ServiceEvent.Type.NORMAL),
    /** {@code auto-abort}: a failing target no longer gets copies. */
    ABORT("ShadowAborted", ServiceEvent.Type.WARNING);

    private final String reason;
    private final ServiceEvent.Type type;

    Kind(String reason, ServiceEvent.Type type) {
      this.reason = reason;
      this.type = type;
    }

    public String reason() {
      return reason;
    }
  }

  public ServiceEvent event() {
    return new ServiceEvent(service, kind.type, kind.reason, message);
  }
}
