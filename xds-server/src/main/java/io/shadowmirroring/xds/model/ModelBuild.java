package io.shadowmirroring.xds.model;

import java.util.List;

/**
 * The result of one rebuild: the model to serve, each Service's mirror status, and the problems found.
 *
 * @param problems rejected mirror annotations
 * @param endpointProblems EndpointSlice contents left out of EDS
 */
public record ModelBuild(MeshModel model, List<MirrorStatus> statuses, List<ConfigProblem> problems,
    List<EndpointProblem> endpointProblems) {
  public ModelBuild {
    statuses = List.copyOf(statuses);
    problems = List.copyOf(problems);
    endpointProblems = List.copyOf(endpointProblems);
  }

  public ModelBuild(MeshModel model, List<MirrorStatus> statuses, List<ConfigProblem> problems) {
    this(model, statuses, problems, List.of());
  }
}
