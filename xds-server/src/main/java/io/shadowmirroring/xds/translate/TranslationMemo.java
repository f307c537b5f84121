package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.ServicePortModel;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each profile's last translation made of each Service port, so that the next one re-translates only
 * the ports that changed. A port's outputs are a function of its {@link ServicePortModel} (a record: equal
 * by value) and of a few values from elsewhere, kept next to them: its virtual host's domains (the domain
 * plan looks at every port) and its mirror targets' protocols. When all are equal, the outputs are the very
 * ones a fresh translation would build, so remembering changes no byte, only the time. Comparing a port
 * with its last version costs one {@code equals} and one step of a walk through the last translation's ports
 * (both sorted by cluster): no hashing and no search.
 *
 * <p>Bounded to the current model: a profile's memo holds only the ports of its last translation, and the
 * memo of a profile not translated for the previous model is dropped when the next one comes (the
 * publisher translates every profile it serves for each model, so those are the profiles it dropped).
 */
final class TranslationMemo {

  /**
   * Everything translated for one port of one profile, with what it was a function of.
   *
   * @param targetProtocols the appProtocol of each mirror target, in the route's order
   * @param mirrorClusters one per mirror target that exists
   * @param domains the virtual host's domains (Envoy profiles)
   * @param virtualHost null when the port has no virtual host (gRPC profiles; no domain left; not routable)
   * @param grpcListener null except for routable ports in gRPC profiles
   */
  record PortOutputs(ServicePortModel port, Cluster cluster, ClusterLoadAssignment assignment,
      List<String> targetProtocols, List<Cluster> mirrorClusters, List<String> domains, VirtualHost virtualHost,
      Listener grpcListener) {}

  /** One profile's last translation. Guarded by itself: one translation of a profile at a time. */
  static final class ProfileMemo {
    private MeshModel model;
    /** Sorted by cluster, as the model's ports are. */
    List<PortOutputs> ports = List.of();
    /** The routable ports the domain plan was made for, and the plan. */
    List<ClusterRef> planned = List.of();
    Map<ClusterRef, List<String>> plan = Map.of();
    /** The route table made of {@code hosts} (Envoy profiles), reused while they are the same objects. */
    List<VirtualHost> hosts = List.of();
    RouteConfiguration routeConfiguration;
    /** The RTDS layer made of {@code layerInputs}, reused while they are equal. */
    List<MeshTranslator.LayerInput> layerInputs = List.of();
    Runtime runtimeLayer;
    /** A function of the profile alone. */
    Listener listener;
    final NameOrder<Cluster> clusterOrder = new NameOrder<>(XdsResources.CLUSTER_NAME);
    final NameOrder<ClusterLoadAssignment> assignmentOrder = new NameOrder<>(XdsResources.ASSIGNMENT_NAME);
    final NameOrder<Listener> listenerOrder = new NameOrder<>(XdsResources.LISTENER_NAME);
  }

  private final Map<Object, ProfileMemo> profiles = new ConcurrentHashMap<>();
  private MeshModel currentModel;

  /**
   * The memo of {@code profile}, now translating {@code model}. A new model first drops the memos of the
   * profiles that were not translated for the model before it.
   */
  ProfileMemo forProfile(ProxyProfile profile, MeshModel model) {
    synchronized (this) {
      if (model != currentModel) {
        MeshModel previous = currentModel;
        profiles.values().removeIf(memo -> memo.model != previous);
        currentModel = model;
      }
      ProfileMemo memo = profiles.computeIfAbsent(profile, p -> new ProfileMemo());
      memo.model = model;
      return memo;
    }
  }

  /** How many profiles have a memo; for the test of the bound. */
  int profiles() {
    return profiles.size();
  }
}
