package io.shadowmirroring.xds.model;

/**
 * An invalid annotation on a Service. The Service is then served without mirroring: what is served
 * depends only on what is stored, never on what an earlier build saw.
 */
public record ConfigProblem(ServiceRef service, InvalidMirrorConfigException error) {

  /** The Service, the key, the value and the reason: what the admission webhook answers. */
  public static String reason(ServiceRef service, InvalidMirrorConfigException error) {
    return "invalid mirror config on service " + service + ": " + error.getMessage();
  }

  /** One line for logs and Events. */
  public String message() {
    return reason(service, error) + " (serving it without mirroring)";
  }
}
