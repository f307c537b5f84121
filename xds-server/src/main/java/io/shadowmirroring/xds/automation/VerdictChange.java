package io.shadowmirroring.xds.automation;

import io.shadowmirroring.xds.analysis.Check;
import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.ServiceEvent;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A target's verdict moved: from {@code before} (empty the first time it is seen) to the comparison's.
 */
public record VerdictChange(ServiceRef service, TargetComparison comparison, Optional<Verdict> before) {

  public static final String PASSING = "ShadowPassing";
  public static final String FAILING = "ShadowFailing";
  public static final String INSUFFICIENT_DATA = "ShadowInsufficientData";

  public Verdict after() {
    return comparison.verdict();
  }

  /** The Event: Normal for PASSING and INSUFFICIENT_DATA, Warning for FAILING. */
  public ServiceEvent event() {
    return switch (after()) {
      case PASSING -> ServiceEvent.normal(service, PASSING, message());
      case FAILING -> ServiceEvent.warning(service, FAILING, message());
      case INSUFFICIENT_DATA -> ServiceEvent.normal(service, INSUFFICIENT_DATA, message());
    };
  }

  /**
   * One line, e.g. {@code shadow shadow-demo/app-v2:80 of shadow-demo/app-service:80 is FAILING (was
   * PASSING): 5xx rate 4.90% vs 0.10% (threshold +1.00 points)}.
   */
  public String message() {
    StringBuilder line = new StringBuilder("shadow ").append(comparison.target()).append(" of ")
        .append(comparison.primary()).append(" is ").append(after())
        .append(before.map(b -> " (was " + b + ")").orElse(""));
    String failed = comparison.checks().stream().filter(c -> !c.ok()).map(VerdictChange::describe)
        .collect(Collectors.joining("; "));
    if (after() == Verdict.FAILING && !failed.isEmpty()) {
      line.append(": ").append(failed);
    } else if (after() == Verdict.PASSING) {
      line.append(": every check is within its threshold");
    }
    if (comparison.shadowOverloaded()) {
      line.append(" (the shadow is overloaded: copies were dropped)");
    }
    return line.toString();
  }

  private static String describe(Check check) {
    return check.metric() + " " + check.shadow() + " vs " + check.production() + " (threshold " + check.threshold()
        + ")";
  }
}
