package io.shadowmirroring.xds.translate;

/**
 * What kind of xDS client a snapshot is built for. Proxies of one profile share one snapshot, and each
 * profile costs one translation per change, so the profile holds only what changes the output.
 *
 * <p>The number of profiles is bounded by the distinct (listener port, role, namespace) combinations
 * among the connected proxies, plus the default one; a profile nobody uses is dropped at the next
 * publish. Typically: one edge profile, and one sidecar profile per namespace with sidecars.
 *
 * @param listenerPort the port of the Envoy HTTP listener; 0 for proxyless gRPC clients, which get
 *     api_listeners instead
 * @param role edge (front proxy, facing untrusted clients) or sidecar; EDGE for gRPC clients, unused
 * @param namespace the proxy's own namespace, whose Services it may reach by short name ({@code svc},
 *     {@code svc:port}); empty for none: then only namespace-qualified names work
 */
public record ProxyProfile(Kind kind, int listenerPort, Role role, String namespace) {
  public enum Kind { ENVOY, GRPC }

  /** How the Envoy HTTP listener treats its clients. */
  public enum Role { EDGE, SIDECAR }

  public ProxyProfile {
    namespace = namespace == null ? "" : namespace;
  }

  /** The default Envoy profile: an edge proxy with no namespace of its own. */
  public static ProxyProfile envoy(int listenerPort) {
    return envoy(listenerPort, Role.EDGE, "");
  }

  public static ProxyProfile envoy(int listenerPort, Role role, String namespace) {
    return new ProxyProfile(Kind.ENVOY, listenerPort, role, namespace);
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
        + (namespace.isEmpty() ? "" : "/" + namespace);
  }
}
