package io.shadowmirroring.xds.xds;

import com.google.protobuf.Value;
import io.envoyproxy.controlplane.cache.NodeGroup;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Puts each xDS client in a snapshot group. Envoy and proxyless gRPC clients must be apart (Envoy
 * rejects api_listeners, gRPC needs them); Envoy nodes may ask for another listener port, say whether
 * they are an edge proxy or a sidecar, name their own namespace, and narrow themselves to some
 * namespaces, all in node metadata.
 * It runs on every request, so it never throws: a bad metadata value falls back to the default, and
 * {@link #problems} says what was wrong, for the one log line at connect.
 */
public final class NodeClassifier implements NodeGroup<ProxyProfile> {
  /** Node metadata key with which an Envoy asks for its HTTP listener on another port. */
  public static final String LISTENER_PORT_METADATA = "shadow-mirroring.io/listener-port";
  /** Node metadata key: {@code edge} (the default) or {@code sidecar}. */
  public static final String ROLE_METADATA = "shadow-mirroring.io/role";
  /** Node metadata key: the proxy's own namespace, whose Services it reaches by short name. */
  public static final String NAMESPACE_METADATA = "shadow-mirroring.io/namespace";
  /**
   * Node metadata key: the namespaces the proxy is narrowed to, comma-separated (or a list). A value
   * that is not valid narrows it to none: scoping fails closed.
   */
  public static final String NAMESPACES_METADATA = "shadow-mirroring.io/namespaces";
  /**
   * Node metadata key: {@code rtds} when the bootstrap has the runtime layer {@code shadow-mirroring}
   * (ResourceNames.RUNTIME_LAYER); the proxy then gets mirror percentages in that layer instead of in its
   * routes. Any other value keeps them in the routes, which is always right.
   */
  public static final String RUNTIME_METADATA = "shadow-mirroring.io/runtime";
  static final String RUNTIME_LAYER_VALUE = "rtds";

  // A Kubernetes namespace name: an RFC 1123 label.
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private final int defaultListenerPort;

  public NodeClassifier(int defaultListenerPort) {
    this.defaultListenerPort = defaultListenerPort;
  }

  @Override
  public ProxyProfile hash(Node node) {
    if (isProxylessGrpc(node)) {
      return ProxyProfile.grpc();
    }
    return ProxyProfile.envoy(listenerPort(node), role(node), namespace(node), namespaces(node).names(),
        runtimeLayer(node));
  }

  public static boolean isProxylessGrpc(Node node) {
    return node.getUserAgentName().startsWith("gRPC");
  }

  /** One line per metadata value that was ignored, saying why; empty when all are fine. */
  public List<String> problems(Node node) {
    List<String> problems = new ArrayList<>();
    if (isProxylessGrpc(node)) {
      return problems;
    }
    Value port = metadata(node, LISTENER_PORT_METADATA);
    if (port != null && listenerPort(node) == defaultListenerPort && !text(port).equals("" + defaultListenerPort)) {
      problems.add(LISTENER_PORT_METADATA + "=" + text(port) + " is not a port from 1 to 65535; using "
          + defaultListenerPort);
    }
    Value role = metadata(node, ROLE_METADATA);
    if (role != null && parseRole(text(role)) == null) {
      problems.add(ROLE_METADATA + "=" + text(role) + " is not edge or sidecar; using edge");
    }
    Value namespace = metadata(node, NAMESPACE_METADATA);
    if (namespace != null && namespace(node).isEmpty()) {
      problems.add(NAMESPACE_METADATA + "=" + text(namespace) + " is not a namespace name; using none");
    }
    namespaces(node).problem().ifPresent(problems::add);
    Value runtime = metadata(node, RUNTIME_METADATA);
    if (runtime != null && !runtimeLayer(node)) {
      problems.add(RUNTIME_METADATA + "=" + text(runtime) + " is not " + RUNTIME_LAYER_VALUE
          + "; mirror percentages stay in the routes");
    }
    return problems;
  }

  private record Namespaces(List<String> names, java.util.Optional<String> problem) {}

  private static Namespaces namespaces(Node node) {
    Value value = metadata(node, NAMESPACES_METADATA);
    if (value == null) {
      return new Namespaces(List.of(), java.util.Optional.empty());
    }
    List<String> names = new ArrayList<>();
    if (value.getKindCase() == Value.KindCase.LIST_VALUE) {
      value.getListValue().getValuesList().forEach(v -> names.add(text(v).trim()));
    } else {
      for (String name : text(value).split(",", -1)) {
        names.add(name.trim());
      }
    }
    String shown = NAMESPACES_METADATA + "=" + (value.getKindCase() == Value.KindCase.LIST_VALUE
        ? names.toString() : text(value));
    java.util.Optional<String> bad = names.stream().filter(n -> !NAMESPACE.matcher(n).matches()).findFirst();
    if (bad.isPresent()) {
      return closed(shown + ": \"" + bad.get() + "\" is not a namespace name; serving no Services");
    }
    if (new java.util.TreeSet<>(names).size() > ProxyProfile.MAX_NAMESPACES) {
      return closed(shown + ": more than " + ProxyProfile.MAX_NAMESPACES + " namespaces; serving no Services");
    }
    return new Namespaces(names, java.util.Optional.empty());
  }

  private static Namespaces closed(String problem) {
    return new Namespaces(ProxyProfile.NO_NAMESPACES, java.util.Optional.of(problem));
  }

  private int listenerPort(Node node) {
    Value value = metadata(node, LISTENER_PORT_METADATA);
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

  private static ProxyProfile.Role role(Node node) {
    Value value = metadata(node, ROLE_METADATA);
    ProxyProfile.Role role = value == null ? null : parseRole(text(value));
    return role == null ? ProxyProfile.Role.EDGE : role;
  }

  private static ProxyProfile.Role parseRole(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "edge" -> ProxyProfile.Role.EDGE;
      case "sidecar" -> ProxyProfile.Role.SIDECAR;
      default -> null;
    };
  }

  private static boolean runtimeLayer(Node node) {
    Value value = metadata(node, RUNTIME_METADATA);
    return value != null && text(value).trim().toLowerCase(Locale.ROOT).equals(RUNTIME_LAYER_VALUE);
  }

  private static String namespace(Node node) {
    Value value = metadata(node, NAMESPACE_METADATA);
    String text = value == null ? "" : text(value).trim();
    return NAMESPACE.matcher(text).matches() ? text : "";
  }

  private static Value metadata(Node node, String key) {
    return node.getMetadata().getFieldsMap().get(key);
  }

  private static String text(Value value) {
    return switch (value.getKindCase()) {
      case STRING_VALUE -> value.getStringValue();
      case NUMBER_VALUE -> value.getNumberValue() == Math.rint(value.getNumberValue())
          ? Long.toString((long) value.getNumberValue()) : Double.toString(value.getNumberValue());
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      default -> value.getKindCase().name().toLowerCase(Locale.ROOT);
    };
  }

  private static double parseOrZero(String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
