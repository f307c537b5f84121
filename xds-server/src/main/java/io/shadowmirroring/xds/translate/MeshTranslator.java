package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.ModelScope;
import io.shadowmirroring.xds.model.ServicePortModel;
import io.shadowmirroring.xds.translate.TranslationMemo.PortOutputs;
import io.shadowmirroring.xds.translate.TranslationMemo.ProfileMemo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
    Map<ClusterRef, List<String>> lastPlan = last.plan;
    Map<ClusterRef, List<String>> plan = envoy ? domainPlan(ports, profile.namespace(), last) : Map.of();
    // With the same plan, an unchanged port has the same domains as last time: no need to look them up.
    boolean planKept = plan == lastPlan;

    // The last translation's ports are sorted by cluster like these: one walk pairs each port with its
    // last version, with no hashing.
    List<PortOutputs> before = last.ports;
    int next = 0;
    List<PortOutputs> translated = new ArrayList<>(ports.size());
    List<Cluster> clusterList = new ArrayList<>(ports.size());
    List<ClusterLoadAssignment> assignments = new ArrayList<>(ports.size());
    List<VirtualHost> hosts = new ArrayList<>();
    List<ServicePortModel> routed = new ArrayList<>();
    List<Listener> grpcListeners = new ArrayList<>();
    for (ServicePortModel port : ports) {
      while (next < before.size() && before.get(next).port().cluster().compareTo(port.cluster()) < 0) {
        next++;
      }
      PortOutputs same = next < before.size() && before.get(next).port().equals(port) ? before.get(next) : null;
      List<String> hostDomains = !envoy ? null : same != null && planKept ? same.domains() : plan.get(port.cluster());
      PortOutputs outputs = translatePort(port, ports, hostDomains, profile, same);
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

    if (!envoy) {
      return new XdsResources(clusterList, assignments, grpcListeners, List.of());
    }
    RouteConfiguration routeConfiguration = RouteConfiguration.newBuilder()
        .setName(ResourceNames.envoyRouteConfiguration(profile.listenerPort()))
        .addAllVirtualHosts(hosts)
        .build();
    List<Runtime> runtimes = profile.runtimeLayer() ? List.of(runtimeLayers.layer(routed)) : List.of();
    return new XdsResources(clusterList, assignments, List.of(listeners.envoyListener(profile)),
        List.of(routeConfiguration), runtimes);
  }

  /**
   * One port's resources, reusing those of {@code same} (the port's last translation, when its model was
   * equal) wherever what they also depend on is unchanged too.
   *
   * @param hostDomains the port's domains in the plan (Envoy profiles); null for gRPC profiles and for ports
   *     that are not routable
   */
  private PortOutputs translatePort(ServicePortModel port, List<ServicePortModel> ports, List<String> hostDomains,
      ProxyProfile profile, PortOutputs same) {
    Cluster cluster = same != null ? same.cluster() : clusters.cluster(port);
    ClusterLoadAssignment assignment = same != null ? same.assignment() : endpoints.loadAssignment(port);

    // Both profiles get the mirror clusters, so that every route names only clusters in the snapshot.
    List<ServicePortModel> targets = port.route().mirrors().isEmpty() ? List.of() : new ArrayList<>();
    for (MirrorCopy copy : port.route().mirrors()) {
      // The resolver only picks ports of existing Services, so the target is always there; were it not,
      // the snapshot check would refuse the route that names the missing mirror cluster.
      ServicePortModel target = find(ports, copy.cluster());
      if (target != null) {
        targets.add(target);
      }
    }
    List<String> targetProtocols =
        targets.isEmpty() ? List.of() : targets.stream().map(ServicePortModel::appProtocol).toList();
    List<Cluster> mirrorClusters;
    if (targets.isEmpty()) {
      mirrorClusters = List.of();
    } else if (same != null && same.targetProtocols().equals(targetProtocols)) {
      mirrorClusters = same.mirrorClusters();
    } else {
      mirrorClusters = targets.stream()
          .map(target -> clusters.mirrorCluster(port.cluster(), target, port.route().limits())).toList();
    }

    // Ports served as clusters only (out of scope, but a route sends to them) get no virtual host.
    VirtualHost host = null;
    Listener grpcListener = null;
    List<String> domainList = hostDomains == null ? List.of() : hostDomains;
    if (port.routable() && profile.kind() == ProxyProfile.Kind.GRPC) {
      grpcListener = same != null && same.grpcListener() != null ? same.grpcListener() : grpcListener(port);
    } else if (port.routable() && !domainList.isEmpty()) {
      host = same != null && same.virtualHost() != null && same.domains().equals(domainList)
          ? same.virtualHost() : routes.virtualHost(port, domainList, profile.runtimeLayer());
    }
    return new PortOutputs(port, cluster, assignment, targetProtocols, mirrorClusters, domainList, host,
        grpcListener);
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
