package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.SameInstances;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.ModelScope;
import io.shadowmirroring.xds.model.ServicePortModel;
import io.shadowmirroring.xds.translate.TranslationMemo.PortOutputs;
import io.shadowmirroring.xds.translate.TranslationMemo.ProfileMemo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pure function from the model to Envoy resources: no I/O, sorted, the same output for the same input.
 *
 * <p>An instance remembers what its last translation of each profile made of each Service port
 * ({@link TranslationMemo}), so the instance the publisher keeps re-translates only the ports that changed,
 * then assembles the sorted lists. That changes no output: a fresh instance gives the same bytes.
 */
public final class MeshTranslator {
  private final ClusterFactory clusters = new ClusterFactory();
  private final EndpointFactory endpoints = new EndpointFactory();
  private final RouteFactory routes = new RouteFactory();
  private final ListenerFactory listeners = new ListenerFactory();
  private final DomainPlanner domains = new DomainPlanner();
  private final RuntimeLayerFactory runtimeLayers = new RuntimeLayerFactory();
  private final TranslationMemo memo = new TranslationMemo();

  public XdsResources translate(MeshModel fullModel, ProxyProfile profile) {
    ProfileMemo last = memo.forProfile(profile, fullModel);
    synchronized (last) {
      return translate(fullModel, profile, last);
    }
  }

  private XdsResources translate(MeshModel fullModel, ProxyProfile profile, ProfileMemo last) {
    MeshModel model = profile.namespaces().isEmpty() ? fullModel
        : ModelScope.narrow(fullModel, ref -> profile.serves(ref.namespace()));
    List<ServicePortModel> ports = model.ports();
    boolean envoy = profile.kind() == ProxyProfile.Kind.ENVOY;
    List<PortOutputs> before = last.ports;
    Set<ClusterRef> changedInPlace = changedInPlace(ports, before);
    Map<ClusterRef, List<String>> lastPlan = last.plan;
    // The plan reads the routable ports' clusters alone: when they are where they were, it is the last one.
    Map<ClusterRef, List<String>> plan = !envoy ? Map.of()
        : changedInPlace != null ? lastPlan : domainPlan(ports, profile.namespace(), last);
    // With the same plan, an unchanged port has the same domains as last time: no need to look them up.
    boolean planKept = plan == lastPlan;
    // The RTDS layer reads the routed ports' mirrors alone.
    boolean layerKept = changedInPlace != null && last.runtimeLayer != null;

    // The last translation's ports are sorted by cluster like these: one walk pairs each port with its
    // last version, with no hashing.
    int next = 0;
    List<PortOutputs> translated = new ArrayList<>(ports.size());
    List<Cluster> clusterList = new ArrayList<>(ports.size());
    List<ClusterLoadAssignment> assignments = new ArrayList<>(ports.size());
    List<VirtualHost> hosts = new ArrayList<>();
    List<ServicePortModel> routed = new ArrayList<>();
    List<Listener> grpcListeners = new ArrayList<>();
    for (ServicePortModel port : ports) {
      // The incremental model build gives an unchanged port as the very record of the last model.
      while (next < before.size() && before.get(next).port() != port
          && before.get(next).port().cluster().compareTo(port.cluster()) < 0) {
        next++;
      }
      PortOutputs prior = next < before.size() && (before.get(next).port() == port
          || before.get(next).port().cluster().equals(port.cluster())) ? before.get(next) : null;
      PortOutputs same = prior != null && (prior.port() == port || prior.port().equals(port)) ? prior : null;
      // Only the assignment reads the endpoints: a port whose endpoints alone changed keeps the rest.
      PortOutputs sameButEndpoints = same != null ? same
          : prior != null && sameExceptEndpoints(prior.port(), port) ? prior : null;
      List<String> hostDomains = !envoy ? null
          : sameButEndpoints != null && planKept ? sameButEndpoints.domains() : plan.get(port.cluster());
      PortOutputs outputs =
          translatePort(port, ports, hostDomains, profile, same, sameButEndpoints, prior, changedInPlace);
      if (layerKept && prior != null && prior.port() != port) {
        layerKept = (outputs.virtualHost() != null) == (prior.virtualHost() != null)
            && port.route().mirrors().equals(prior.port().route().mirrors());
      }
      translated.add(outputs);
      clusterList.add(outputs.cluster());
      assignments.add(outputs.assignment());
      clusterList.addAll(outputs.mirrorClusters());
      if (outputs.virtualHost() != null) {
        hosts.add(outputs.virtualHost());
        routed.add(port);
      }
      if (outputs.grpcListener() != null) {
        grpcListeners.add(outputs.grpcListener());
      }
    }
    last.ports = translated;

    List<Cluster> sortedClusters = last.clusterOrder.sort(clusterList);
    List<ClusterLoadAssignment> sortedAssignments = last.assignmentOrder.sort(assignments);
    if (!envoy) {
      return new XdsResources(sortedClusters, sortedAssignments, last.listenerOrder.sort(grpcListeners), List.of());
    }
    // The route table, the RTDS layer and the listener are each the very message of the last translation
    // when what they are made of is: an endpoint change then serializes none of them again (the route
    // table alone is about 300 KB at 1,000 Services).
    if (last.routeConfiguration == null || !SameInstances.of(hosts, last.hosts)) {
      last.routeConfiguration = RouteConfiguration.newBuilder()
          .setName(ResourceNames.envoyRouteConfiguration(profile.listenerPort()))
          .addAllVirtualHosts(hosts)
          .build();
      last.hosts = hosts;
    }
    List<Runtime> runtimes = List.of();
    if (profile.runtimeLayer()) {
      if (!layerKept) {
        List<LayerInput> layerInputs = routed.stream()
            .map(port -> new LayerInput(port.cluster(), port.route().mirrors())).toList();
        if (last.runtimeLayer == null || !layerInputs.equals(last.layerInputs)) {
          last.runtimeLayer = runtimeLayers.layer(routed);
          last.layerInputs = layerInputs;
        }
      }
      runtimes = List.of(last.runtimeLayer);
    }
    if (last.listener == null) {
      last.listener = listeners.envoyListener(profile);
    }
    return new XdsResources(sortedClusters, sortedAssignments, List.of(last.listener),
        List.of(last.routeConfiguration), runtimes);
  }

  /** What the RTDS layer reads of a routed port. */
  record LayerInput(ClusterRef cluster, List<MirrorCopy> mirrors) {}

  private static boolean sameExceptEndpoints(ServicePortModel a, ServicePortModel b) {
    return a.cluster().equals(b.cluster()) && a.portName().equals(b.portName())
        && a.appProtocol().equals(b.appProtocol()) && a.route().equals(b.route()) && a.routable() == b.routable();
  }

  /**
   * One port's resources, reusing those of {@code same} (the port's last translation, when its model was
   * equal but perhaps for the endpoints) wherever what they also depend on is unchanged too; the assignment
   * only from {@code sameModel} (the last translation when the model was equal). {@code prior} is the port's
   * last translation whatever changed.
   *
   * @param hostDomains the port's domains in the plan (Envoy profiles); null for gRPC profiles and for ports
   *     that are not routable
   */
  private PortOutputs translatePort(ServicePortModel port, List<ServicePortModel> ports, List<String> hostDomains,
      ProxyProfile profile, PortOutputs sameModel, PortOutputs same, PortOutputs prior,
      Set<ClusterRef> changedInPlace) {
    Cluster cluster = same != null ? same.cluster() : clusters.cluster(port);
    ClusterLoadAssignment assignment = sameModel != null ? sameModel.assignment() : endpoints.loadAssignment(port);
    List<String> targetProtocols;
    List<Cluster> mirrorClusters;
    if (same != null && changedInPlace != null && !mirrorsAny(port, changedInPlace)) {
      // Its targets are the very ports they were: the same protocols, no need to look them up.
      targetProtocols = same.targetProtocols();
      mirrorClusters = same.mirrorClusters();
    } else {
      targetProtocols = targetProtocols(port, ports);
      mirrorClusters = same != null && same.targetProtocols().equals(targetProtocols) ? same.mirrorClusters()
          : mirrorClusters(port, ports);
    }

    // Ports served as clusters only (out of scope, but a route sends to them) get no virtual host.
    VirtualHost host = null;
    Listener grpcListener = null;
    List<String> domainList = hostDomains == null ? List.of() : hostDomains;
    if (port.routable() && profile.kind() == ProxyProfile.Kind.GRPC) {
      grpcListener = same != null && same.grpcListener() != null ? same.grpcListener() : grpcListener(port);
    } else if (port.routable() && !domainList.isEmpty()) {
      boolean kept = same != null && same.virtualHost() != null && same.domains().equals(domainList);
      host = kept ? same.virtualHost() : routes.virtualHost(port, domainList, profile.runtimeLayer());
      if (!kept && prior != null && host.equals(prior.virtualHost())) {
        // Rebuilt but equal (a percentage edit with the RTDS layer: the share is in the layer): the last
        // one, so that the route table made of the same hosts is the same message too.
        host = prior.virtualHost();
      }
    }
    return new PortOutputs(port, cluster, assignment, targetProtocols, mirrorClusters, domainList, host,
        grpcListener);
  }

  private static boolean mirrorsAny(ServicePortModel port, Set<ClusterRef> clusters) {
    for (MirrorCopy copy : port.route().mirrors()) {
      if (clusters.contains(copy.cluster())) {
        return true;
      }
    }
    return false;
  }

  /** The appProtocol of each mirror target that exists, in the route's order. */
  private static List<String> targetProtocols(ServicePortModel port, List<ServicePortModel> ports) {
    if (port.route().mirrors().isEmpty()) {
      return List.of();
    }
    List<String> protocols = new ArrayList<>(port.route().mirrors().size());
    for (MirrorCopy copy : port.route().mirrors()) {
      // The resolver only picks ports of existing Services, so the target is always there; were it not,
      // the snapshot check would refuse the route that names the missing mirror cluster.
      ServicePortModel target = find(ports, copy.cluster());
      if (target != null) {
        protocols.add(target.appProtocol());
      }
    }
    return protocols;
  }

  /** Both profiles get the mirror clusters, so that every route names only clusters in the snapshot. */
  private List<Cluster> mirrorClusters(ServicePortModel port, List<ServicePortModel> ports) {
    List<Cluster> mirrorClusters = new ArrayList<>(port.route().mirrors().size());
    for (MirrorCopy copy : port.route().mirrors()) {
      ServicePortModel target = find(ports, copy.cluster());
      if (target != null) {
        mirrorClusters.add(clusters.mirrorCluster(port.cluster(), target, port.route().limits()));
      }
    }
    return List.copyOf(mirrorClusters);
  }

  /**
   * Which clusters' ports are not the very records of the last translation, when every port is the same
   * cluster at the same place and equally routable (an endpoint or annotation change); null when ports
   * were added, removed, or became routable or not (the domain plan and every lookup are then made again).
   */
  private static Set<ClusterRef> changedInPlace(List<ServicePortModel> ports, List<PortOutputs> before) {
    if (ports.size() != before.size()) {
      return null;
    }
    Set<ClusterRef> changed = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      ServicePortModel now = ports.get(i);
      ServicePortModel was = before.get(i).port();
      if (now != was) {
        if (!now.cluster().equals(was.cluster()) || now.routable() != was.routable()) {
          return null;
        }
        changed.add(now.cluster());
      }
    }
    return changed;
  }

  /** The port of {@code cluster}: a binary search, since the model's ports are sorted by cluster. */
  private static ServicePortModel find(List<ServicePortModel> ports, ClusterRef cluster) {
    int low = 0;
    int high = ports.size() - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      int order = ports.get(middle).cluster().compareTo(cluster);
      if (order == 0) {
        return ports.get(middle);
      }
      if (order < 0) {
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return null;
  }

  /**
   * Where each routable port's virtual host answers. The plan depends on the routable ports' names and the
   * proxy's namespace only, so an endpoint or annotation change reuses the last one.
   */
  private Map<ClusterRef, List<String>> domainPlan(List<ServicePortModel> ports, String namespace,
      ProfileMemo last) {
    List<ServicePortModel> routable = ports.stream().filter(ServicePortModel::routable).toList();
    List<ClusterRef> names = routable.stream().map(ServicePortModel::cluster).toList();
    if (!names.equals(last.planned)) {
      last.plan = domains.plan(routable, namespace);
      last.planned = names;
    }
    return last.plan;
  }

  /** How many profiles the memo holds; for the test of its bound. */
  int rememberedProfiles() {
    return memo.profiles();
  }

  private Listener grpcListener(ServicePortModel port) {
    // One route configuration per api_listener: a gRPC channel only ever needs its own authority.
    String name = ResourceNames.grpcListener(port.cluster());
    VirtualHost host = routes.virtualHost(port, List.of(name), false);
    RouteConfiguration config = RouteConfiguration.newBuilder().setName(name).addVirtualHosts(host).build();
    return listeners.grpcApiListener(name, config);
  }
}
