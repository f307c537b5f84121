package io.shadowmirroring.xds.model;

/**
 * One port of a Service as the source declares it.
 *
 * @param name the port name, empty when the Service leaves it out (allowed for single-port Services)
 * @param appProtocol the Service's {@code appProtocol}, empty when unset; it tells HTTP/2 upstreams apart
 */
public record ServicePort(String name, int port, String protocol, String appProtocol) {
  public ServicePort {
    name = name == null ? "" : name;
    protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    appProtocol = appProtocol == null ? "" : appProtocol;
  }
}
