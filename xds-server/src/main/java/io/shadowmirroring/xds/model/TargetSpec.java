package io.shadowmirroring.xds.model;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * One entry of {@code mirror-to} as written: {@code [namespace/]service[:port][=percent]}.
 *
 * @param port a port number or port name of the target Service, empty to use the default rule
 * @param millionths the per-target percentage, empty to use the Service's default percentage
 */
public record TargetSpec(ServiceRef service, Optional<String> port, OptionalInt millionths) {

  /** The text this entry would have in the annotation, with the namespace spelled out. */
  public String annotationValue() {
    StringBuilder text = new StringBuilder(service.toString());
    port.ifPresent(p -> text.append(':').append(p));
    millionths.ifPresent(m -> text.append('=').append(Percentage.format(m)));
    return text.toString();
  }
}
