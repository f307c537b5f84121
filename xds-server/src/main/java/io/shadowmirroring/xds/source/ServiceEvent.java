package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.ConfigProblem;
import io.shadowmirroring.xds.model.ServiceRef;
import java.util.Objects;

/**
 * Something its owner should know about a Service's mirror, as a Kubernetes Event would say it.
 *
 * @param reason a CamelCase word such as {@code InvalidMirrorConfig} or {@code ShadowFailing}
 * @param message one line
 */
public record ServiceEvent(ServiceRef service, Type type, String reason, String message) {

  /** Kubernetes' two Event types. */
  public enum Type {
    NORMAL("Normal"), WARNING("Warning");

    private final String kubernetesName;

    Type(String kubernetesName) {
      this.kubernetesName = kubernetesName;
    }

    /** As the Event's {@code type} field spells it. */
    public String kubernetesName() {
      return kubernetesName;
    }
  }

  public static final String INVALID_MIRROR_CONFIG = "InvalidMirrorConfig";

  public ServiceEvent {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  public static ServiceEvent normal(ServiceRef service, String reason, String message) {
    return new ServiceEvent(service, Type.NORMAL, reason, message);
  }

  public static ServiceEvent warning(ServiceRef service, String reason, String message) {
    return new ServiceEvent(service, Type.WARNING, reason, message);
  }

  /** A rejected annotation: Warning {@code InvalidMirrorConfig}. */
  public static ServiceEvent of(ConfigProblem problem) {
    return warning(problem.service(), INVALID_MIRROR_CONFIG, problem.message());
  }
}
