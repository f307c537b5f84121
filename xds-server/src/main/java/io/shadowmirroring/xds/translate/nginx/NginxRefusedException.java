package io.shadowmirroring.xds.translate.nginx;

import java.util.List;

/**
 * The mirrors ask for something nginx cannot express. Nothing is rendered: a config that silently
 * dropped a percentage or a port would mirror something other than what the annotations say.
 */
public final class NginxRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<String> reasons;

  NginxRefusedException(List<String> reasons) {
    super("nginx cannot express " + String.join("; ", reasons));
    this.reasons = List.copyOf(reasons);
  }

  /** One line per refusal, each naming the Service port and the reason. */
  public List<String> reasons() {
    return reasons;
  }
}
