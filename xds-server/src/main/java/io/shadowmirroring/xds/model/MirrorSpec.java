package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Optional;

/**
 * A Service's mirror annotations, parsed and checked on their own (without looking at other Services).
 *
 * @param defaultMillionths the share of eligible requests copied to a target that sets none
 * @param promote the target that takes the live traffic, if any
 */
public record MirrorSpec(
    List<TargetSpec> targets,
    int defaultMillionths,
    MethodSet methods,
    Optional<ServiceRef> promote,
    boolean keepHost) {

  public MirrorSpec {
    targets = List.copyOf(targets);
  }

  public int millionthsFor(TargetSpec target) {
    return target.millionths().orElse(defaultMillionths);
  }
}
