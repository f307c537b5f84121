package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The resource types for one proxy profile, each sorted by name. {@code runtimes} holds the RTDS layers
 * (type {@code type.googleapis.com/envoy.service.runtime.v3.Runtime}); empty for profiles without one.
 */
public record XdsResources(
    List<Cluster> clusters,
    List<ClusterLoadAssignment> endpoints,
    List<Listener> listeners,
    List<RouteConfiguration> routes,
    List<Runtime> runtimes) {

  static final Function<Cluster, String> CLUSTER_NAME = Cluster::getName;
  static final Function<ClusterLoadAssignment, String> ASSIGNMENT_NAME = ClusterLoadAssignment::getClusterName;
  static final Function<Listener, String> LISTENER_NAME = Listener::getName;

  public XdsResources {
    clusters = sortedByName(clusters, CLUSTER_NAME);
    endpoints = sortedByName(endpoints, ASSIGNMENT_NAME);
    listeners = sortedByName(listeners, LISTENER_NAME);
    routes = sortedByName(routes, RouteConfiguration::getName);
    runtimes = sortedByName(runtimes, Runtime::getName);
  }

  /**
   * The list sorted by name, immutable. The translator gives its long lists in name order already (1,000s of
   * resources, every publish, for every profile), as {@link NameSortedList}s: taken as they are. Other lists
   * are copied, and sorted unless one walk finds them sorted.
   */
  private static <T> List<T> sortedByName(List<T> list, Function<T, String> name) {
    if (list instanceof NameSortedList<T> sorted && sorted.sortedBy() == name) {
      return list;
    }
    String last = null;
    for (T item : list) {
      String next = name.apply(item);
      if (last != null && last.compareTo(next) > 0) {
        return list.stream().sorted(Comparator.comparing(name)).toList();
      }
      last = next;
    }
    return List.copyOf(list);
  }

  /** Without runtime layers. */
  public XdsResources(List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
      List<RouteConfiguration> routes) {
    this(clusters, endpoints, listeners, routes, List.of());
  }
}
