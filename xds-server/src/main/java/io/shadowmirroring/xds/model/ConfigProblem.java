package io.shadowmirroring.xds.model;

/** An invalid annotation on a Service, and whether an earlier valid config is still served for it. */
public record ConfigProblem(ServiceRef service, InvalidMirrorConfigException error, boolean keptLastValid) {

  /** One line for logs and Events: the Service, the key, the value and the reason. */
  public String message() {
    return "invalid mirror config on service " + service + ": " + error.getMessage()
        + (keptLastValid ? " (still serving its last valid config)" : " (serving it without mirroring)");
  }
}
