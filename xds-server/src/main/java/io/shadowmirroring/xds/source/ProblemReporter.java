package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.ConfigProblem;

/**
 * Tells the owner of a Service what happened to its mirror: a rejected annotation, a verdict change, an
 * automatic promotion or abort. Kubernetes sources emit Events; a directory source has nowhere to put
 * them (the caller's log line is all there is).
 */
public interface ProblemReporter {
  ProblemReporter NONE = event -> { };

  void report(ServiceEvent event);

  /** The mirror annotations were rejected: a Warning {@code InvalidMirrorConfig}. */
  default void report(ConfigProblem problem) {
    report(ServiceEvent.of(problem));
  }
}
