package io.shadowmirroring.xds.xds;

import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.shadowmirroring.xds.translate.ProxyProfile;

/**
 * Puts each xDS client in a snapshot group. Envoy and proxyless gRPC clients must be apart (Envoy
 * rejects api_listeners, gRPC needs them), and Envoy nodes may ask for another listener port.
 * It runs on every request, so it never throws: a bad metadata value falls back to the default port.
 */
public final class NodeClassifier implements NodeGroup<ProxyProfile> {
  /** Node metadata key with which an Envoy asks for its HTTP listener on another port. */
  public static final String LISTENER_PORT_METADATA = "shadow-mirroring.io/listener-port";

  private final int defaultListenerPort;

  public NodeClassifier(int defaultListenerPort) {
    this.defaultListenerPort = defaultListenerPort;
  }

  @Override
  public ProxyProfile hash(Node node) {
    if (isProxylessGrpc(node)) {
      return ProxyProfile.grpc();
    }
    return ProxyProfile.envoy(listenerPort(node));
  }

  public static boolean isProxylessGrpc(Node node) {
    return node.getUserAgentName().startsWith("gRPC");
  }

  private int listenerPort(Node node) {
    Value value = node.getMetadata().getFieldsMap().get(LISTENER_PORT_METADATA);
    if (value == null) {
      return defaultListenerPort;
    }
    double port = switch (value.getKindCase()) {
      case NUMBER_VALUE -> value.getNumberValue();
      case STRING_VALUE -> parseOrZero(value.getStringValue());
      default -> 0;
    };
    return port >= 1 && port <= 65535 && port == Math.rint(port) ? (int) port : defaultListenerPort;
  }

  private static double parseOrZero(String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
