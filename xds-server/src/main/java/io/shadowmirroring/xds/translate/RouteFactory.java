package io.shadowmirroring.xds.translate;

import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.RoutePolicy;
import io.shadowmirroring.xds.model.ServicePortModel;
import java.util.List;

/**
 * Virtual hosts with {@code request_mirror_policies}.
 *
 * <p>Envoy's mirror policy has no method filter, so a restricted method set becomes two routes: the
 * first matches {@code :method} and mirrors, the second catches everything else and does not.
 */
final class RouteFactory {
  static final String MIRRORED_ROUTE = "mirrored";
  static final String LIVE_ROUTE = "live";
  /**
   * The share a mirror policy falls back to when the proxy has the runtime layer. Fixed, so that the routes
   * do not change with a percentage (nor depend on any history: versions stay content hashes). Zero, because
   * Envoy uses it only while the layer lacks the key: a proxy that gave up waiting for its layer (after the
   * layer's initial_fetch_timeout) then copies nothing until the layer arrives, rather than copying at a
   * share nobody asked for; a missing copy is harmless, an unwanted one repeats a request on the shadow.
   */
  static final int RUNTIME_LAYER_DEFAULT = 0;

  /**
   * @param runtimeLayer the proxy has the RTDS layer with each mirror's share ({@link RuntimeLayerFactory}):
   *     the mirror policies then carry {@link #RUNTIME_LAYER_DEFAULT} instead of the share
   */
  VirtualHost virtualHost(ServicePortModel port, List<String> domains, boolean runtimeLayer) {
    RoutePolicy policy = port.route();
    VirtualHost.Builder host = VirtualHost.newBuilder()
        .setName(ResourceNames.virtualHost(port.cluster()))
        .addAllDomains(domains);
    RouteAction live = RouteAction.newBuilder().setCluster(ResourceNames.cluster(policy.live())).build();
    if (!policy.mirrors().isEmpty()) {
      RouteAction.Builder mirrored = live.toBuilder();
      for (MirrorCopy copy : policy.mirrors()) {
        int defaultMillionths = runtimeLayer ? RUNTIME_LAYER_DEFAULT : copy.millionths();
        mirrored.addRequestMirrorPolicies(mirrorPolicy(port, copy, defaultMillionths, policy.keepHost()));
      }
      RouteMatch.Builder match = RouteMatch.newBuilder().setPrefix("/");
      if (!policy.methods().all()) {
        match.addHeaders(methodMatcher(policy.methods().methods()));
      }
      // Production's stats on the very requests that are copied: vhost.<vhost>.route.<stat_prefix>.* (Envoy
      // 1.23+; field Route.stat_prefix in Envoy's api/envoy/config/route/v3/route_components.proto, stats
      // ALL_ROUTE_STATS in envoy/router/router.h and the route block of source/common/http/codes.cc).
      host.addRoutes(Route.newBuilder()
          .setName(MIRRORED_ROUTE)
          .setMatch(match)
          .setRoute(mirrored)
          .setStatPrefix(ResourceNames.mirroredRouteStatPrefix(port.cluster())));
      if (policy.methods().all()) {
        return host.build();
      }
    }
    host.addRoutes(Route.newBuilder()
        .setName(LIVE_ROUTE)
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(live));
    return host.build();
  }

  private static RouteAction.RequestMirrorPolicy mirrorPolicy(
      ServicePortModel port, MirrorCopy copy, int defaultMillionths, boolean keepHost) {
    return RouteAction.RequestMirrorPolicy.newBuilder()
        .setCluster(ResourceNames.mirrorCluster(port.cluster(), copy.cluster()))
        .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
            .setDefaultValue(FractionalPercent.newBuilder()
                .setNumerator(defaultMillionths)
                .setDenominator(FractionalPercent.DenominatorType.MILLION))
            .setRuntimeKey(ResourceNames.mirrorRuntimeKey(port.cluster(), copy.cluster())))
        .setDisableShadowHostSuffixAppend(keepHost)
        .build();
  }

  private static HeaderMatcher methodMatcher(List<String> methods) {
    StringMatcher.Builder matcher = StringMatcher.newBuilder();
    if (methods.size() == 1) {
      matcher.setExact(methods.get(0));
    } else {
      // RE2 full match; method tokens are validated to [A-Z-], so no escaping is needed.
      matcher.setSafeRegex(RegexMatcher.newBuilder().setRegex(String.join("|", methods)));
    }
    return HeaderMatcher.newBuilder().setName(":method").setStringMatch(matcher).build();
  }
}
