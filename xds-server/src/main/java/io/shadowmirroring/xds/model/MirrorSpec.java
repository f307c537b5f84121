package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Optional;

/**
 * A Service's mirror annotations, parsed and checked on their own (without looking at other Services).
 *
 * @param defaultMillionths the share of eligible requests copied to a target that sets none
 * @param promote the target that takes the live traffic, if any
 * @param limits the circuit breakers of each mirror cluster
 * @param analysis how each target is judged against production
 * @param autoPromote promote a target once it has been PASSING for a whole window
 * @param autoAbort stop mirroring to a target that is FAILING
 */
public record MirrorSpec(
    List<TargetSpec> targets,
    int defaultMillionths,
    MethodSet methods,
    Optional<ServiceRef> promote,
    boolean keepHost,
    MirrorLimits limits,
    AnalysisSettings analysis,
    boolean autoPromote,
    boolean autoAbort) {

  public MirrorSpec {
    targets = List.copyOf(targets);
  }

  /** A spec with the default limits and analysis and no automation. */
  public MirrorSpec(List<TargetSpec> targets, int defaultMillionths, MethodSet methods, Optional<ServiceRef> promote,
      boolean keepHost) {
    this(targets, defaultMillionths, methods, promote, keepHost, MirrorLimits.DEFAULT, AnalysisSettings.DEFAULT,
        false, false);
  }

  public int millionthsFor(TargetSpec target) {
    return target.millionths().orElse(defaultMillionths);
  }
}
