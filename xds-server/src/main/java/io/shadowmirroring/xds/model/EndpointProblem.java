package io.shadowmirroring.xds.model;

/**
 * Something in an EndpointSlice that cannot be served, and was left out.
 *
 * @param slice the slice as {@code namespace/name}
 */
public record EndpointProblem(ServiceRef service, String slice, String reason) {

  /** One line for logs: the Service, the slice and what was left out. */
  public String message() {
    return "endpoints of service " + service + ": EndpointSlice " + slice + ": " + reason;
  }
}
