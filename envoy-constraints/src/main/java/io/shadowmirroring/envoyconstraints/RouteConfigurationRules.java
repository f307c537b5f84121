package io.shadowmirroring.envoyconstraints;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What Envoy checks on a RouteConfiguration in code, beyond its proto rules: each domain (lower-cased)
 * belongs to one virtual host at most, and {@code *} to one at most. Envoy's
 * source/common/router/config_impl.cc, {@code RouteMatcher::RouteMatcher}; the messages are its own.
 */
final class RouteConfigurationRules {
  private RouteConfigurationRules() {}

  static void check(RouteConfiguration routes, String path) {
    Map<String, String> hostOfDomain = new HashMap<>();
    for (int i = 0; i < routes.getVirtualHostsCount(); i++) {
      VirtualHost host = routes.getVirtualHosts(i);
      for (String name : host.getDomainsList()) {
        String domain = name.toLowerCase(Locale.ROOT);
        String earlier = hostOfDomain.putIfAbsent(domain, host.getName());
        if (earlier == null) {
          continue;
        }
        String where = path + ".virtual_hosts[" + i + "] (" + host.getName() + ", and " + earlier + ")";
        if (domain.equals("*")) {
          throw new AssertionError(where + ": Only a single wildcard domain is permitted in route "
              + routes.getName());
        }
        throw new AssertionError(where + ": Only unique values for domains are permitted. Duplicate entry of domain "
            + domain + " in route " + routes.getName());
      }
    }
  }
}
