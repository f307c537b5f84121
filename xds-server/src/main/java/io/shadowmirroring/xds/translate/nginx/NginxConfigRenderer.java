package io.shadowmirroring.xds.translate.nginx;

import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.EndpointAddress;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MethodSet;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.Percentage;
import io.shadowmirroring.xds.model.RoutePolicy;
import io.shadowmirroring.xds.model.ServicePortModel;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The seed's Method 3: the model as an nginx {@code http {}} block that mirrors with the
 * {@code mirror} directive. A pure function like the Envoy translator: no I/O, sorted, the same text
 * for the same model. What the annotations ask for and nginx cannot do is refused
 * ({@link NginxRefusedException}), never dropped.
 *
 * <p>How each part of the contract maps (nginx 1.13.4+; Debian's 1.22 has all modules used here):
 * <ul>
 *   <li>One {@code server} per Service, named by the host names Envoy's virtual host has without a
 *       port; its {@code location /} proxies to the live upstream (the primary, or the promoted target).
 *   <li>Each copy is a {@code mirror} subrequest to an internal location that proxies to the target.
 *       nginx's mirror has no method filter and no percentage, so that location answers 204 itself
 *       (sending nothing to the target) when a {@code map} of {@code $request_method} or a
 *       {@code split_clients} on {@code $request_id} says the request is not copied. The mirror module
 *       gives the subrequest the original method (ngx_http_mirror_module.c sets {@code sr->method}).
 *   <li>The Host of a copy gets {@code -shadow} appended to its host part, before any port, exactly
 *       as Envoy's {@code shadowAppendedHost} does (source/common/router/shadow_writer_impl.cc).
 *   <li>A mirror gets no circuit breakers: nginx has none per mirror. An upstream server's
 *       {@code max_conns} counts connections per endpoint and per worker (unless a {@code zone} is
 *       shared), idle keep-alive connections can exceed it, and nothing bounds pending or concurrent
 *       requests, so none of Envoy's three thresholds maps. Limits other than the defaults are refused;
 *       the defaults are rendered as "none", which the README states.
 * </ul>
 */
public final class NginxConfigRenderer {
  /** Same set as the Envoy translator's HTTP/2 upstreams. */
  private static final Set<String> HTTP2_PROTOCOLS = Set.of("grpc", "h2c", "http2", "kubernetes.io/h2c");
  /** Methods that carry no body, so copies need not wait for one (mirror_request_body off). */
  private static final Set<String> BODYLESS_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");
  /**
   * split_clients reads percentages with two decimals and rejects 0 (ngx_http_split_clients_module.c:
   * ngx_atofp(..., 2), out of 10000): its step is 0.01%, i.e. 100 millionths.
   */
  private static final int MILLIONTHS_PER_SPLIT_STEP = 100;

  /**
   * @param listen the argument of nginx's {@code listen}: a port ({@code 10000}) or address:port
   * @throws NginxRefusedException naming every Service port whose mirror nginx cannot express
   */
  public String render(MeshModel model, String listen) {
    Plan plan = new Plan(model);
    List<String> refusals = new ArrayList<>();
    for (ServicePortModel port : model.ports()) {
      refusals.addAll(plan.refusals(port));
    }
    refusals.addAll(plan.variableClashes());
    if (!refusals.isEmpty()) {
      throw new NginxRefusedException(refusals);
    }

    ConfWriter out = new ConfWriter().open("http");
    // nginx's default bucket (64 bytes on most CPUs) cannot hold names like
    // app-shadow-service.shadow-demo.svc.cluster.local and then refuses to start.
    // The same holds for the long variable names of copies.
    out.directive("server_names_hash_bucket_size " + bucketSize(plan.longestServerName()))
        .directive("variables_hash_bucket_size " + bucketSize(plan.longestVariableName()))
        .blank();
    writeShadowHost(out, plan);
    writeMethodMaps(out, plan);
    writeSplits(out, plan);
    writeUpstreams(out, model);
    writeDefaultServer(out, listen);
    for (ServiceRef service : plan.allServices()) {
      if (plan.routedPort(service) != null) {
        writeServer(out, plan, service, listen);
      } else {
        out.blank().comment(ResourceNames.cluster(plan.hostPort(service).cluster())
            + ": HTTP/2 (gRPC, h2c), which this HTTP/1.1 listener does not proxy: no server");
      }
    }
    return out.close().toString();
  }

  private static void writeShadowHost(ConfWriter out, Plan plan) {
    if (!plan.anyShadowHost()) {
      return;
    }
    out.comment("The Host of a copy: \"-shadow\" appended to the host part, before any port, as Envoy does")
        .comment("(app-service.shadow-demo:80 becomes app-service.shadow-demo-shadow:80).")
        .open("map $http_host $" + NginxNames.SHADOW_HOST)
        .directive("\"~^(?<" + NginxNames.SHADOW_HOST_NAME_CAPTURE + ">.*?)(?<" + NginxNames.SHADOW_HOST_PORT_CAPTURE
            + ">:[0-9]+)?$\" $" + NginxNames.SHADOW_HOST_NAME_CAPTURE + "-shadow$" + NginxNames.SHADOW_HOST_PORT_CAPTURE)
        .close()
        .blank();
  }

  private static void writeMethodMaps(ConfWriter out, Plan plan) {
    for (MethodSet methods : plan.restrictedMethodSets()) {
      out.comment("Copied methods: " + methods.annotationValue())
          .open("map $request_method $" + NginxNames.methodsVariable(methods));
      for (String method : methods.methods()) {
        out.directive(method + " 1");
      }
      out.directive("default 0").close().blank();
    }
  }

  private static void writeSplits(ConfWriter out, Plan plan) {
    for (ServicePortModel port : plan.mirroredPorts()) {
      for (MirrorCopy copy : plan.activeCopies(port)) {
        if (copy.millionths() == Percentage.MILLION) {
          continue;
        }
        ClusterRef primary = port.cluster();
        out.comment(ResourceNames.cluster(primary) + " copies " + Percentage.format(copy.millionths())
                + "% of its requests to " + ResourceNames.cluster(copy.cluster()) + ", drawn per request")
            .open("split_clients \"${request_id}" + NginxNames.copySalt(primary, copy.cluster()) + "\" $"
                + NginxNames.copyVariable(primary, copy.cluster()))
            .directive(splitPercent(copy.millionths()) + " 1")
            .directive("* 0")
            .close()
            .blank();
      }
    }
  }

  /**
   * A power of two with room for the longest key: ngx_hash.c stores each key with a pointer and its
   * length, aligned to a pointer, and ends each bucket with one more pointer. 64 is nginx's usual default.
   */
  private static int bucketSize(int longestKey) {
    int size = 64;
    while (size < longestKey + 32) {
      size *= 2;
    }
    return size;
  }

  private static String splitPercent(int millionths) {
    int steps = millionths / MILLIONTHS_PER_SPLIT_STEP;
    return String.format(java.util.Locale.ROOT, "%d.%02d%%", steps / 100, steps % 100);
  }

  private static void writeUpstreams(ConfWriter out, MeshModel model) {
    for (ServicePortModel port : model.ports()) {
      out.comment(ResourceNames.cluster(port.cluster())).open("upstream " + NginxNames.upstream(port.cluster()));
      if (port.endpoints().isEmpty()) {
        out.comment("no ready endpoints: requests get 502 (Envoy answers 503)").directive("server 127.0.0.1:1 down");
      }
      for (EndpointAddress endpoint : port.endpoints()) {
        out.directive("server " + endpoint.ip() + ":" + endpoint.port());
      }
      out.directive("keepalive 16").close().blank();
    }
  }

  // Like Envoy, a Host that no Service answers to gets a 404.
  private static void writeDefaultServer(ConfWriter out, String listen) {
    out.open("server").directive("listen " + listen + " default_server").directive("return 404").close();
  }

  private static void writeServer(ConfWriter out, Plan plan, ServiceRef service, String listen) {
    ServicePortModel port = plan.routedPort(service);
    RoutePolicy route = port.route();
    out.blank().comment(describe(port, plan))
        .open("server")
        .directive("listen " + listen)
        .directive("server_name " + String.join(" ", plan.serverNames(service)))
        .blank()
        .open("location /");
    List<MirrorCopy> copies = plan.activeCopies(port);
    for (MirrorCopy copy : copies) {
      out.directive("mirror " + NginxNames.mirrorLocation(copy.cluster()));
    }
    if (!copies.isEmpty()) {
      out.directive("mirror_request_body " + (copiesBodies(route.methods()) ? "on" : "off"));
    }
    out.directive("proxy_pass http://" + NginxNames.upstream(route.live()));
    proxyHeaders(out, "$http_host");
    out.close();
    for (MirrorCopy copy : copies) {
      writeMirrorLocation(out, port, copy);
    }
    out.close();
  }

  private static void writeMirrorLocation(ConfWriter out, ServicePortModel port, MirrorCopy copy) {
    RoutePolicy route = port.route();
    out.blank().open("location = " + NginxNames.mirrorLocation(copy.cluster())).directive("internal");
    if (!route.methods().all()) {
      out.open("if ($" + NginxNames.methodsVariable(route.methods()) + " = 0)").directive("return 204").close();
    }
    if (copy.millionths() != Percentage.MILLION) {
      out.open("if ($" + NginxNames.copyVariable(port.cluster(), copy.cluster()) + " = 0)")
          .directive("return 204").close();
    }
    // The mirror location's URI is fixed, so the original URI is passed explicitly.
    out.directive("proxy_pass http://" + NginxNames.upstream(copy.cluster()) + "$request_uri");
    proxyHeaders(out, route.keepHost() ? "$http_host" : "$" + NginxNames.SHADOW_HOST);
    if (!copiesBodies(route.methods())) {
      out.directive("proxy_pass_request_body off").directive("proxy_set_header Content-Length \"\"");
    }
    out.close();
  }

  // A location's proxy_set_header replaces all inherited ones, so each location states them all.
  // No retries, as Envoy's default route has none and never retries a copy.
  private static void proxyHeaders(ConfWriter out, String host) {
    out.directive("proxy_http_version 1.1")
        .directive("proxy_set_header Connection \"\"")
        .directive("proxy_set_header Host " + host)
        .directive("proxy_next_upstream off");
  }

  private static boolean copiesBodies(MethodSet methods) {
    return methods.all() || !BODYLESS_METHODS.containsAll(methods.methods());
  }

  private static String describe(ServicePortModel port, Plan plan) {
    RoutePolicy route = port.route();
    StringBuilder text = new StringBuilder(ResourceNames.cluster(port.cluster()));
    if (!route.live().equals(port.cluster())) {
      text.append(", promoted: live traffic goes to ").append(ResourceNames.cluster(route.live()));
    }
    List<String> copies = new ArrayList<>();
    for (MirrorCopy copy : route.mirrors()) {
      copies.add(ResourceNames.cluster(copy.cluster()) + "=" + Percentage.format(copy.millionths()) + "%"
          + (copy.millionths() == 0 ? " (none)" : ""));
    }
    if (!copies.isEmpty()) {
      text.append(", copies ").append(route.methods().annotationValue()).append(" to ")
          .append(String.join(", ", copies)).append(route.keepHost() ? ", Host kept" : ", Host + -shadow");
    }
    List<Integer> unrouted = plan.unroutedPorts(port.cluster().service());
    if (!unrouted.isEmpty()) {
      text.append("; ports ").append(unrouted).append(" not routed: nginx picks a server by host name only");
    }
    return text.toString();
  }

  /** The model seen from nginx: which port each Service's host names reach, and the names used. */
  private static final class Plan {
    private final Map<ClusterRef, ServicePortModel> clusters = new HashMap<>();
    private final Map<ServiceRef, List<ServicePortModel>> portsByService = new TreeMap<>();
    /** The port each Service's host names reach: port 80, else the lowest. */
    private final Map<ServiceRef, ServicePortModel> hostPort = new TreeMap<>();
    /** The same, for the Services that get a server: those whose host port speaks HTTP/1. */
    private final Map<ServiceRef, ServicePortModel> routed = new TreeMap<>();
    private final Map<String, Integer> hostNameClaims = new HashMap<>();

    Plan(MeshModel model) {
      for (ServicePortModel port : model.ports()) {
        clusters.put(port.cluster(), port);
        portsByService.computeIfAbsent(port.cluster().service(), s -> new ArrayList<>()).add(port);
      }
      portsByService.forEach((service, ports) -> {
        ServicePortModel chosen = ports.stream().filter(p -> p.cluster().port() == 80).findFirst()
            .orElse(ports.get(0)); // the model sorts by cluster, so this is the lowest port
        hostPort.put(service, chosen);
        if (!isHttp2(chosen)) {
          routed.put(service, chosen);
          hostNames(service).forEach(name -> hostNameClaims.merge(name, 1, Integer::sum));
        }
      });
    }

    Set<ServiceRef> allServices() {
      return hostPort.keySet();
    }

    ServicePortModel hostPort(ServiceRef service) {
      return hostPort.get(service);
    }

    ServicePortModel routedPort(ServiceRef service) {
      return routed.get(service);
    }

    List<Integer> unroutedPorts(ServiceRef service) {
      return portsByService.get(service).stream()
          .filter(p -> routed.get(service) != p).map(p -> p.cluster().port()).toList();
    }

    /** Like Envoy's domains, a name two Services would share (the short name) is left out for both. */
    List<String> serverNames(ServiceRef service) {
      return hostNames(service).stream().filter(name -> hostNameClaims.get(name) == 1).toList();
    }

    int longestServerName() {
      return routed.keySet().stream().flatMap(s -> serverNames(s).stream()).mapToInt(String::length).max().orElse(0);
    }

    int longestVariableName() {
      return Stream.concat(
              restrictedMethodSets().stream().map(NginxNames::methodsVariable),
              mirroredPorts().stream().flatMap(p -> activeCopies(p).stream()
                  .map(c -> NginxNames.copyVariable(p.cluster(), c.cluster()))))
          .mapToInt(String::length).max().orElse(0);
    }

    List<ServicePortModel> mirroredPorts() {
      return routed.values().stream().filter(p -> !activeCopies(p).isEmpty()).toList();
    }

    List<MirrorCopy> activeCopies(ServicePortModel port) {
      return port.route().mirrors().stream().filter(c -> c.millionths() > 0).toList();
    }

    boolean anyShadowHost() {
      return mirroredPorts().stream().anyMatch(p -> !p.route().keepHost());
    }

    List<MethodSet> restrictedMethodSets() {
      Map<String, MethodSet> sets = new TreeMap<>();
      for (ServicePortModel port : mirroredPorts()) {
        MethodSet methods = port.route().methods();
        if (!methods.all()) {
          sets.put(NginxNames.methodsVariable(methods), methods);
        }
      }
      return List.copyOf(sets.values());
    }

    List<String> refusals(ServicePortModel port) {
      RoutePolicy route = port.route();
      ClusterRef cluster = port.cluster();
      boolean promoted = !route.live().equals(cluster);
      if (route.mirrors().isEmpty() && !promoted) {
        return List.of();
      }
      String name = ResourceNames.cluster(cluster);
      List<String> refusals = new ArrayList<>();
      if (isHttp2(port) || isHttp2(clusters.get(route.live()))
          || route.mirrors().stream().anyMatch(c -> isHttp2(clusters.get(c.cluster())))) {
        refusals.add(name + ": HTTP/2 (gRPC, h2c) upstreams are not supported; the rendered nginx proxies"
            + " and mirrors HTTP/1.1 only");
      } else if (hostPort.get(cluster.service()) != port) {
        refusals.add(name + ": nginx picks a server by host name, not by the Host header's port, so only port "
            + hostPort.get(cluster.service()).cluster().port() + " of " + cluster.service()
            + " can be mirrored or promoted");
      }
      for (MirrorCopy copy : route.mirrors()) {
        if (copy.millionths() % MILLIONTHS_PER_SPLIT_STEP != 0) {
          refusals.add(name + " -> " + ResourceNames.cluster(copy.cluster()) + ": "
              + Percentage.format(copy.millionths()) + "% is finer than nginx split_clients' step of 0.01%");
        }
      }
      if (!route.mirrors().isEmpty() && !route.limits().equals(MirrorLimits.DEFAULT)) {
        refusals.add(name + ": mirror-limits (" + route.limits().annotationValue() + ") needs circuit breakers on"
            + " the mirror, which nginx does not have; remove the annotation to render for nginx");
      }
      return refusals;
    }

    /** nginx variables cannot hold '-', so two different names could meet; refuse rather than merge them. */
    List<String> variableClashes() {
      Map<String, String> meanings = new TreeMap<>();
      Set<String> clashes = new TreeSet<>();
      for (ServicePortModel port : mirroredPorts()) {
        if (!port.route().methods().all()) {
          claim(meanings, clashes, NginxNames.methodsVariable(port.route().methods()),
              "methods " + port.route().methods().annotationValue());
        }
        for (MirrorCopy copy : activeCopies(port)) {
          claim(meanings, clashes, NginxNames.copyVariable(port.cluster(), copy.cluster()),
              NginxNames.copySalt(port.cluster(), copy.cluster()));
        }
      }
      return List.copyOf(clashes);
    }

    private static void claim(Map<String, String> meanings, Set<String> clashes, String variable, String meaning) {
      String previous = meanings.putIfAbsent(variable, meaning);
      if (previous != null && !previous.equals(meaning)) {
        clashes.add(previous + " and " + meaning + ": both would use the nginx variable $" + variable
            + " ('-' is not allowed in nginx variable names)");
      }
    }

    private static boolean isHttp2(ServicePortModel port) {
      return port != null && HTTP2_PROTOCOLS.contains(port.appProtocol());
    }

    private static List<String> hostNames(ServiceRef service) {
      String svc = service.name();
      String ns = service.namespace();
      return List.of(svc, svc + "." + ns, svc + "." + ns + ".svc", svc + "." + ns + ".svc.cluster.local");
    }
  }
}
