package io.shadowmirroring.xds.translate;

/**
 * What kind of xDS client a snapshot is built for. Proxies of one profile share one snapshot.
 *
 * @param listenerPort the port of the Envoy HTTP listener; 0 for proxyless gRPC clients, which get
 *     api_listeners instead
 */
public record ProxyProfile(Kind kind, int listenerPort) {
  public enum Kind { ENVOY, GRPC }

  public static ProxyProfile envoy(int listenerPort) {
    return new ProxyProfile(Kind.ENVOY, listenerPort);
  }

  public static ProxyProfile grpc() {
    return new ProxyProfile(Kind.GRPC, 0);
  }

  @Override
  public String toString() {
    return kind == Kind.GRPC ? "grpc" : "envoy:" + listenerPort;
  }
}
