package io.shadowmirroring.xds.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Narrows a model to the Services in scope: a pure function on the model, before translation. A
 * proxy then has no cluster and no virtual host for anything else, so it cannot be made to route there
 * (NetworkPolicy is not bypassed through it), and each change costs only what is in scope.
 */
public final class ModelScope {
  private ModelScope() {}

  /**
   * Keeps the routable ports of the Services in scope; the ports their routes send to (the live
   * cluster when promoted, and every mirror) stay as clusters only; everything else is dropped.
   * Narrowing twice narrows to both scopes.
   */
  public static MeshModel narrow(MeshModel model, Predicate<ServiceRef> inScope) {
    Set<ClusterRef> needed = new HashSet<>();
    for (ServicePortModel port : model.ports()) {
      if (port.routable() && inScope.test(port.cluster().service())) {
        needed.add(port.route().live());
        port.route().mirrors().forEach(m -> needed.add(m.cluster()));
      }
    }
    List<ServicePortModel> kept = new ArrayList<>();
    for (ServicePortModel port : model.ports()) {
      boolean routable = port.routable() && inScope.test(port.cluster().service());
      if (routable || needed.contains(port.cluster())) {
        kept.add(port.withRoutable(routable));
      }
    }
    return new MeshModel(kept);
  }
}
