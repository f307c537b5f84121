package io.shadowmirroring.xds.translate;

import java.util.List;

/**
 * What kind of xDS client a snapshot is built for. Proxies of one profile share one snapshot, and each
 * profile costs one translation per change, so the profile holds only what changes the output.
 *
 * <p>The number of profiles is bounded by the distinct (listener port, role, namespace, namespaces, runtime
 * layer) combinations among the connected proxies, plus the default one, so never more than the connected
 * proxies plus one; a profile nobody uses is dropped at the next publish. Typically: one edge
 * profile, and one sidecar profile per namespace with sidecars. The namespaces list is normalized
 * (sorted, no duplicates, at most {@link #MAX_NAMESPACES}), so proxies that list the same namespaces
 * in another order share a profile.
 *
 * @param listenerPort the port of the Envoy HTTP listener; 0 for proxyless gRPC clients, which get
 *     api_listeners instead
 * @param role edge (front proxy, facing untrusted clients) or sidecar; EDGE for gRPC clients, unused
 * @param namespace the proxy's own namespace, whose Services it may reach by short name ({@code svc},
 *     {@code svc:port}); empty for none: then only namespace-qualified names work
 * @param namespaces the namespaces whose Services the proxy is narrowed to (their routes' targets come
 *     along as clusters only); empty for no narrowing; {@link #NO_NAMESPACES} for none at all
 * @param runtimeLayer the proxy's bootstrap has the RTDS layer {@link ResourceNames#RUNTIME_LAYER}: mirror
 *     percentages then go in that layer, and the routes carry a fixed default instead, so a percentage edit
 *     changes only the layer. Always false for gRPC clients, which have no runtime.
 */
public record ProxyProfile(
    Kind kind, int listenerPort, Role role, String namespace, List<String> namespaces, boolean runtimeLayer) {
  /** Most namespaces one proxy may be narrowed to; a longer list narrows it to none. */
  public static final int MAX_NAMESPACES = 32;
  /** Narrows to no Service at all: no Service lives in the namespace "" (what an invalid value gets). */
  public static final List<String> NO_NAMESPACES = List.of("");

  public enum Kind { ENVOY, GRPC }

  /** How the Envoy HTTP listener treats its clients. */
  public enum Role { EDGE, SIDECAR }

  public ProxyProfile {
    namespace = namespace == null ? "" : namespace;
    namespaces = namespaces == null ? List.of() : List.copyOf(new java.util.TreeSet<>(namespaces));
    if (namespaces.size() > MAX_NAMESPACES) {
      namespaces = NO_NAMESPACES;
    }
    runtimeLayer = runtimeLayer && kind == Kind.ENVOY;
  }

  /** Without the runtime layer: percentages in the routes. */
  public ProxyProfile(Kind kind, int listenerPort, Role role, String namespace, List<String> namespaces) {
    this(kind, listenerPort, role, namespace, namespaces, false);
  }

  /** Not narrowed to namespaces. */
  public ProxyProfile(Kind kind, int listenerPort, Role role, String namespace) {
    this(kind, listenerPort, role, namespace, List.of());
  }

  /** True when Services of this namespace are in the proxy's scope. */
  public boolean serves(String serviceNamespace) {
    return namespaces.isEmpty() || namespaces.contains(serviceNamespace);
  }

  /** The default Envoy profile: an edge proxy with no namespace of its own. */
  public static ProxyProfile envoy(int listenerPort) {
    return envoy(listenerPort, Role.EDGE, "");
  }

  public static ProxyProfile envoy(int listenerPort, Role role, String namespace) {
    return new ProxyProfile(Kind.ENVOY, listenerPort, role, namespace);
  }

  public static ProxyProfile envoy(int listenerPort, Role role, String namespace, List<String> namespaces) {
    return new ProxyProfile(Kind.ENVOY, listenerPort, role, namespace, namespaces);
  }

  public static ProxyProfile envoy(
      int listenerPort, Role role, String namespace, List<String> namespaces, boolean runtimeLayer) {
    return new ProxyProfile(Kind.ENVOY, listenerPort, role, namespace, namespaces, runtimeLayer);
  }

  /** The same profile, with or without the runtime layer. */
  public ProxyProfile withRuntimeLayer(boolean value) {
    return new ProxyProfile(kind, listenerPort, role, namespace, namespaces, value);
  }

  public static ProxyProfile grpc() {
    return new ProxyProfile(Kind.GRPC, 0, Role.EDGE, "");
  }

  @Override
  public String toString() {
    if (kind == Kind.GRPC) {
      return "grpc";
    }
    return "envoy:" + listenerPort + "/" + role.name().toLowerCase(java.util.Locale.ROOT)
        + (namespace.isEmpty() ? "" : "/" + namespace)
        + (namespaces.isEmpty() ? "" : "[" + String.join(",", namespaces) + "]")
        + (runtimeLayer ? "+rtds" : "");
  }
}
