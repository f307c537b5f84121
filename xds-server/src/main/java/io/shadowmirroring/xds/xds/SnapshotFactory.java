package io.shadowmirroring.xds.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.shadowmirroring.xds.SameInstances;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks that served resources resolve, and shows them as a java-control-plane snapshot (for config
 * dumps and test hooks) with this server's content versions.
 */
public final class SnapshotFactory {
  private SnapshotFactory() {}

  /** The resources as a snapshot with the set's own versions; no check, they were checked when prepared. */
  public static Snapshot snapshot(ResourceSet set) {
    XdsResources resources = set.resources();
    return Snapshot.create(
        resources.clusters(), set.version(XdsTypes.CLUSTER),
        resources.endpoints(), set.version(XdsTypes.ENDPOINT),
        resources.listeners(), set.version(XdsTypes.LISTENER),
        resources.routes(), set.version(XdsTypes.ROUTE),
        List.of(), ContentVersion.ofHashes(List.of()));
  }

  /**
   * @throws SnapshotConsistencyException when a cluster lacks its endpoints or a listener its routes,
   *     or anything else {@link #ensureReferencesResolve} finds; such a snapshot must never be published
   */
  public static Snapshot consistentSnapshot(XdsResources resources) throws SnapshotConsistencyException {
    Snapshot snapshot = Snapshot.create(
        resources.clusters(), ContentVersion.of(resources.clusters()),
        resources.endpoints(), ContentVersion.of(resources.endpoints()),
        resources.listeners(), ContentVersion.of(resources.listeners()),
        resources.routes(), ContentVersion.of(resources.routes()),
        List.of(), ContentVersion.of(List.of()));
    // Not Snapshot.ensureConsistent(): java-control-plane 1.0.x finds connection managers only by the
    // legacy filter name envoy.http_connection_manager, deprecated since Envoy 1.14.
    ensureReferencesResolve(resources);
    return snapshot;
  }

  /**
   * What {@code Snapshot.ensureConsistent()} checks, done without its blind spots: java-control-plane
   * 1.0.x finds connection managers only by the legacy filter name and never looks inside api_listeners
   * or routes. This one finds them by type (whatever the filter is named), and checks:
   * <ul>
   *   <li>no two resources of one type share a name;
   *   <li>every EDS cluster has exactly its ClusterLoadAssignment, and no assignment is unreferenced;
   *   <li>every route configuration a listener names over RDS is there, and no other;
   *   <li>every cluster a route sends traffic or copies to is there: Envoy does not warm routes, and a
   *       missing mirror cluster means silently no mirror ("shadow cluster ... does not exist");
   *   <li>no domain appears twice in one route configuration, which Envoy rejects.
   * </ul>
   */
  static void ensureReferencesResolve(XdsResources resources) throws SnapshotConsistencyException {
    requireUniqueNames("Cluster", resources.clusters().stream().map(Cluster::getName).toList());
    requireUniqueNames("ClusterLoadAssignment",
        resources.endpoints().stream().map(e -> e.getClusterName()).toList());
    requireUniqueNames("Listener", resources.listeners().stream().map(Listener::getName).toList());
    requireUniqueNames("RouteConfiguration", resources.routes().stream().map(RouteConfiguration::getName).toList());
    // Hash sets: this runs on every publish for every profile, and ordered sets of 1,000s of names cost
    // milliseconds; the error messages sort what they name.
    Set<String> edsNames = new HashSet<>();
    for (Cluster cluster : resources.clusters()) {
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        String serviceName = cluster.getEdsClusterConfig().getServiceName();
        edsNames.add(serviceName.isEmpty() ? cluster.getName() : serviceName);
      }
    }
    Set<String> assignments = new HashSet<>();
    resources.endpoints().forEach(e -> assignments.add(e.getClusterName()));
    requireSame("Cluster", edsNames, "ClusterLoadAssignment", assignments);

    Set<String> routeNames = new HashSet<>();
    List<RouteConfiguration> inlineRoutes = new ArrayList<>();
    for (Listener listener : resources.listeners()) {
      List<Any> managers = new ArrayList<>();
      if (listener.hasApiListener()) {
        managers.add(listener.getApiListener().getApiListener());
      }
      for (FilterChain chain : listener.getFilterChainsList()) {
        chain.getFiltersList().stream().filter(Filter::hasTypedConfig).map(Filter::getTypedConfig)
            .forEach(managers::add);
      }
      for (Any any : managers) {
        if (any.is(HttpConnectionManager.class)) {
          HttpConnectionManager manager = unpack(listener, any);
          if (manager.hasRds()) {
            routeNames.add(manager.getRds().getRouteConfigName());
          } else if (manager.hasRouteConfig()) {
            inlineRoutes.add(manager.getRouteConfig());
          }
        }
      }
    }
    Set<String> routes = new HashSet<>();
    resources.routes().forEach(r -> routes.add(r.getName()));
    requireSame("Listener", routeNames, "RouteConfiguration", routes);

    Set<String> clusters = new HashSet<>();
    resources.clusters().forEach(c -> clusters.add(c.getName()));
    List<RouteConfiguration> allRoutes = new ArrayList<>(resources.routes());
    inlineRoutes.forEach(allRoutes::add);
    Set<String> missing = new HashSet<>();
    for (RouteConfiguration config : allRoutes) {
      config.getVirtualHostsList().forEach(host -> host.getRoutesList().forEach(route -> {
        if (!route.getRoute().getCluster().isEmpty()) {
          missing.add(route.getRoute().getCluster());
        }
        route.getRoute().getRequestMirrorPoliciesList().forEach(mirror -> missing.add(mirror.getCluster()));
      }));
    }
    missing.removeAll(clusters);
    if (!missing.isEmpty()) {
      throw new SnapshotConsistencyException("Clusters referenced by routes but missing: " + new TreeSet<>(missing));
    }
    for (RouteConfiguration config : allRoutes) {
      List<String> domains = new ArrayList<>();
      config.getVirtualHostsList().forEach(host -> domains.addAll(host.getDomainsList()));
      requireUniqueNames("domain in RouteConfiguration " + config.getName(), domains);
    }
  }

  /**
   * True when {@link #ensureReferencesResolve} reads {@code next} as it read {@code checked}, which it
   * passed: the very same clusters, listeners and route configurations, and assignments with the same
   * names in the same order (the check reads nothing else of them). So an endpoint change or an RTDS
   * layer change needs no new check; the check walks every route of every virtual host and hashes every
   * name and domain, a sixth of the reconciler's time under endpoint churn (bench scenario 8).
   */
  static boolean checksAs(XdsResources next, XdsResources checked) {
    if (checked == null || !SameInstances.of(next.clusters(), checked.clusters())
        || !SameInstances.of(next.listeners(), checked.listeners())
        || !SameInstances.of(next.routes(), checked.routes())
        || next.endpoints().size() != checked.endpoints().size()) {
      return false;
    }
    for (int i = 0; i < next.endpoints().size(); i++) {
      ClusterLoadAssignment now = next.endpoints().get(i);
      ClusterLoadAssignment then = checked.endpoints().get(i);
      if (now != then && !now.getClusterName().equals(then.getClusterName())) {
        return false;
      }
    }
    return true;
  }

  private static void requireUniqueNames(String what, List<String> names) throws SnapshotConsistencyException {
    Set<String> seen = new HashSet<>(names.size() * 4 / 3 + 1);
    Set<String> duplicates = new TreeSet<>();
    names.forEach(name -> {
      if (!seen.add(name)) {
        duplicates.add(name);
      }
    });
    if (!duplicates.isEmpty()) {
      throw new SnapshotConsistencyException(what + " names used more than once: " + duplicates);
    }
  }

  private static HttpConnectionManager unpack(Listener listener, Any any) throws SnapshotConsistencyException {
    try {
      return any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new SnapshotConsistencyException(
          "listener " + listener.getName() + " has an unreadable HttpConnectionManager: " + e.getMessage());
    }
  }

  private static void requireSame(String parent, Set<String> referenced, String child, Set<String> present)
      throws SnapshotConsistencyException {
    if (!referenced.equals(present)) {
      Set<String> missing = new TreeSet<>(referenced);
      missing.removeAll(present);
      Set<String> unreferenced = new TreeSet<>(present);
      unreferenced.removeAll(referenced);
      throw new SnapshotConsistencyException(child + "s referenced by a " + parent + " but missing: " + missing
          + "; present but not referenced: " + unreferenced);
    }
  }
}
