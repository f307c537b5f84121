package io.shadowmirroring.xds.model;

import java.util.List;

/** The result of one rebuild: the model to serve, each Service's mirror status, and the problems found. */
public record ModelBuild(MeshModel model, List<MirrorStatus> statuses, List<ConfigProblem> problems) {
  public ModelBuild {
    statuses = List.copyOf(statuses);
    problems = List.copyOf(problems);
  }
}
