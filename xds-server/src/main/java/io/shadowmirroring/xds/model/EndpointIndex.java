package io.shadowmirroring.xds.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The serving addresses of each Service port, from the EndpointSlices that name the Service.
 *
 * <p>Whatever a slice holds, EDS must stay valid: Envoy rejects a whole EDS response (for every
 * cluster in it) when one socket address is not an IP. So {@code FQDN} slices are left out and
 * reported, as is an address that is not an IP of its slice's family. IPv4 and IPv6 slices of one
 * (dual-stack) Service both count.
 *
 * <p>The EndpointSlice conditions (discovery.k8s.io/v1 EndpointConditions): a ready endpoint is served;
 * one that is terminating but still serving is served as draining; anything else is left out. While a
 * Pod moves between slices its address can be in two slices at once: it is served once, as its best
 * state says (ready before draining, a known zone before none, then the first slice by name).
 */
final class EndpointIndex {
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern IPV6_CHARACTERS = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
  private static final Comparator<EndpointAddress> BEST = Comparator.comparing(EndpointAddress::draining)
      .thenComparing(a -> a.zone().isEmpty());

  private EndpointIndex() {}

  /**
   * One slice checked on its own, a function of the slice alone (so a build can keep it while the slice
   * stays the same).
   *
   * @param service the Service the slice serves; null when it names none or is left out (FQDN)
   * @param problems what was left out of it
   * @param served its endpoints that are served, each with its first address (an IP of the slice's family)
   */
  record CheckedSlice(EndpointSliceInput input, ServiceRef service, List<EndpointProblem> problems,
      List<Served> served) {}

  /** An endpoint that is served: ready, or terminating but serving (then draining). */
  record Served(String ip, String zone, boolean draining) {}

  static CheckedSlice check(EndpointSliceInput slice) {
    if (slice.serviceName() == null || slice.serviceName().isEmpty()) {
      return new CheckedSlice(slice, null, List.of(), List.of());
    }
    ServiceRef service = new ServiceRef(slice.namespace(), slice.serviceName());
    String name = slice.namespace() + "/" + slice.name();
    if (slice.addressType().equals(EndpointSliceInput.FQDN)) {
      return new CheckedSlice(slice, null, List.of(new EndpointProblem(service, name,
          "addressType FQDN is not supported (EDS needs IP addresses); slice skipped")), List.of());
    }
    List<EndpointProblem> problems = new ArrayList<>();
    List<Served> served = new ArrayList<>();
    for (EndpointSliceInput.Endpoint endpoint : slice.endpoints()) {
      if (endpoint.addresses().isEmpty()) {
        continue;
      }
      String ip = endpoint.addresses().get(0);
      if (!isIp(slice.addressType(), ip)) {
        problems.add(new EndpointProblem(service, name, "address \"" + ip + "\" is not an "
            + (slice.addressType().isEmpty() ? "IP" : slice.addressType()) + " address; skipped"));
        continue;
      }
      boolean draining = !endpoint.ready() && endpoint.terminating() && endpoint.serving();
      if (endpoint.ready() || draining) {
        served.add(new Served(ip, endpoint.zone(), draining));
      }
    }
    return new CheckedSlice(slice, service, List.copyOf(problems), List.copyOf(served));
  }

  /**
   * The addresses of one Service port from the Service's checked slices, in slice name order. Slice ports
   * carry the Service port's name and the resolved targetPort number, which is how named targetPorts get
   * resolved. An unnamed slice port matches only a single-port Service.
   */
  static List<EndpointAddress> addresses(List<CheckedSlice> slices, ServicePort port, int servicePortCount) {
    Map<String, EndpointAddress> byAddress = new LinkedHashMap<>();
    for (CheckedSlice slice : slices) {
      for (EndpointSliceInput.Port slicePort : slice.input().ports()) {
        boolean matches = slicePort.name().equals(port.name())
            || (slicePort.name().isEmpty() && servicePortCount == 1);
        if (!matches) {
          continue;
        }
        for (Served endpoint : slice.served()) {
          EndpointAddress address =
              new EndpointAddress(endpoint.ip(), slicePort.port(), endpoint.zone(), endpoint.draining());
          byAddress.merge(address.ip() + "|" + address.port(), address,
              (kept, other) -> BEST.compare(other, kept) < 0 ? other : kept);
        }
      }
    }
    return new ArrayList<>(byAddress.values());
  }

  // Literals only: InetAddress parses an IPv6 literal without a lookup, and the pattern lets nothing
  // else through.
  static boolean isIp(String addressType, String address) {
    return switch (addressType) {
      case EndpointSliceInput.IPV4 -> isIpv4(address);
      case EndpointSliceInput.IPV6 -> isIpv6(address);
      default -> isIpv4(address) || isIpv6(address);
    };
  }

  private static boolean isIpv4(String address) {
    return IPV4.matcher(address).matches();
  }

  private static boolean isIpv6(String address) {
    if (!IPV6_CHARACTERS.matcher(address).matches()) {
      return false;
    }
    try {
      return InetAddress.getByName(address) instanceof Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
