package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.ConfigProblem;

/** Tells the owner of a Service that its mirror annotations were rejected. */
public interface ProblemReporter {
  ProblemReporter NONE = problem -> { };

  void report(ConfigProblem problem);
}
