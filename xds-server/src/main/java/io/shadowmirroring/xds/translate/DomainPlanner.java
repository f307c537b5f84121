package io.shadowmirroring.xds.translate;

import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.ServicePortModel;
import io.shadowmirroring.xds.model.ServiceRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The Host values each Service port answers to in an Envoy route configuration.
 *
 * <p>Namespace-qualified names ({@code svc.ns}, {@code svc.ns.svc}, {@code svc.ns.svc.cluster.local},
 * each also with {@code :port}) always work. The short names {@code svc} and {@code svc:port} are given
 * only to the Services of the proxy's own namespace, as Kubernetes DNS search paths resolve them: so a
 * Service named like one in another namespace can never take that name away, and a proxy without a
 * namespace gets no short names at all. Envoy rejects a route configuration in which two virtual hosts
 * share a domain, so a name that would still be claimed twice is left out for all of them rather than
 * given to an arbitrary one. Host without a port is given to the Service's port 80, or else to its
 * lowest port: that is what a plain {@code curl http://svc.ns/} sends.
 */
final class DomainPlanner {

  /**
   * @param namespace the proxy's own namespace; empty for none
   */
  Map<ClusterRef, List<String>> plan(List<ServicePortModel> ports, String namespace) {
    Map<ServiceRef, Integer> portlessOwner = new HashMap<>();
    for (ServicePortModel port : ports) {
      int candidate = port.cluster().port();
      portlessOwner.merge(port.cluster().service(), candidate, DomainPlanner::preferredPort);
    }
    Map<String, Integer> claims = new HashMap<>();
    Map<ClusterRef, List<String>> wanted = new HashMap<>();
    for (ServicePortModel port : ports) {
      ClusterRef ref = port.cluster();
      List<String> domains = new ArrayList<>();
      for (String host : hostNames(ref.service(), namespace)) {
        domains.add(host + ":" + ref.port());
        if (portlessOwner.get(ref.service()) == ref.port()) {
          domains.add(host);
        }
      }
      domains.forEach(d -> claims.merge(d, 1, Integer::sum));
      wanted.put(ref, domains);
    }
    Map<ClusterRef, List<String>> result = new HashMap<>();
    wanted.forEach((ref, domains) -> result.put(ref,
        List.copyOf(new TreeSet<>(domains.stream().filter(d -> claims.get(d) == 1).toList()))));
    return result;
  }

  private static int preferredPort(int a, int b) {
    if (a == 80 || b == 80) {
      return 80;
    }
    return Math.min(a, b);
  }

  private static List<String> hostNames(ServiceRef service, String proxyNamespace) {
    String svc = service.name();
    String ns = service.namespace();
    List<String> qualified = List.of(svc + "." + ns, svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local");
    if (!ns.equals(proxyNamespace)) {
      return qualified;
    }
    List<String> names = new ArrayList<>(qualified);
    names.add(0, svc);
    return names;
  }
}
