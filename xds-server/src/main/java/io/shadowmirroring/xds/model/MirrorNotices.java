package io.shadowmirroring.xds.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a valid mirror does that its author may not expect, one line each: not errors, since the
 * annotations mean exactly what they say, but surprises worth showing next to the mirror.
 */
public final class MirrorNotices {
  /** Ports whose requests are HTTP/2 and so, when gRPC, always POSTs (the gRPC over HTTP/2 protocol). */
  private static final Set<String> HTTP2_PROTOCOLS = Set.of("h2c", "http2", "kubernetes.io/h2c");
  private static final String GRPC = "grpc";

  private MirrorNotices() {}

  /**
   * @param appProtocolByPort each primary port's appProtocol, or the port-name hint, as the model has it
   */
  public static List<String> of(ResolvedMirror mirror, Map<Integer, String> appProtocolByPort) {
    MethodSet methods = mirror.spec().methods();
    if (methods.all() || methods.methods().contains("POST")) {
      return List.of();
    }
    List<String> notices = new ArrayList<>();
    new TreeMap<>(mirror.copiesByPort()).forEach((port, copies) -> {
      if (copies.isEmpty()) {
        return;
      }
      String protocol = appProtocolByPort.getOrDefault(port, "");
      String uncopied = ", which mirror-methods (" + methods.annotationValue() + ") does not copy;"
          + " add POST to mirror gRPC";
      if (protocol.equals(GRPC)) {
        notices.add("port " + port + " speaks gRPC: every call is a POST" + uncopied);
      } else if (HTTP2_PROTOCOLS.contains(protocol)) {
        notices.add("port " + port + " speaks HTTP/2 (" + protocol + "): gRPC calls on it are POSTs" + uncopied);
      }
    });
    return List.copyOf(notices);
  }
}
