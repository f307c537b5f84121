package io.shadowmirroring.xds.model;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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

  private final Map<ServiceRef, List<EndpointSliceInput>> slicesByService = new HashMap<>();
  private final List<EndpointProblem> problems = new ArrayList<>();

  EndpointIndex(List<EndpointSliceInput> slices) {
    List<EndpointSliceInput> byName = new ArrayList<>(slices);
    byName.sort(Comparator.comparing(EndpointSliceInput::namespace).thenComparing(EndpointSliceInput::name));
    for (EndpointSliceInput slice : byName) {
      if (slice.serviceName() == null || slice.serviceName().isEmpty()) {
        continue;
      }
      ServiceRef service = new ServiceRef(slice.namespace(), slice.serviceName());
      if (slice.addressType().equals(EndpointSliceInput.FQDN)) {
        problems.add(new EndpointProblem(service, slice.namespace() + "/" + slice.name(),
            "addressType FQDN is not supported (EDS needs IP addresses); slice skipped"));
        continue;
      }
      slicesByService.computeIfAbsent(service, k -> new ArrayList<>()).add(slice);
      reportBadAddresses(service, slice);
    }
  }

  /** What was left out, in slice order. */
  List<EndpointProblem> problems() {
    return List.copyOf(problems);
  }

  /**
   * Slice ports carry the Service port's name and the resolved targetPort number, which is how named
   * targetPorts get resolved. An unnamed slice port matches only a single-port Service.
   */
  List<EndpointAddress> addresses(ServiceRef service, ServicePort port, int servicePortCount) {
    Map<String, EndpointAddress> byAddress = new LinkedHashMap<>();
    for (EndpointSliceInput slice : slicesByService.getOrDefault(service, List.of())) {
      for (EndpointSliceInput.Port slicePort : slice.ports()) {
        boolean matches = slicePort.name().equals(port.name())
            || (slicePort.name().isEmpty() && servicePortCount == 1);
        if (!matches) {
          continue;
        }
        for (EndpointSliceInput.Endpoint endpoint : slice.endpoints()) {
          if (endpoint.addresses().isEmpty() || !isIp(slice.addressType(), endpoint.addresses().get(0))) {
            continue;
          }
          boolean draining = !endpoint.ready() && endpoint.terminating() && endpoint.serving();
          if (!endpoint.ready() && !draining) {
            continue;
          }
          EndpointAddress address =
              new EndpointAddress(endpoint.addresses().get(0), slicePort.port(), endpoint.zone(), draining);
          byAddress.merge(address.ip() + "|" + address.port(), address,
              (kept, other) -> BEST.compare(other, kept) < 0 ? other : kept);
        }
      }
    }
    return new ArrayList<>(byAddress.values());
  }

  private void reportBadAddresses(ServiceRef service, EndpointSliceInput slice) {
    for (EndpointSliceInput.Endpoint endpoint : slice.endpoints()) {
      if (!endpoint.addresses().isEmpty() && !isIp(slice.addressType(), endpoint.addresses().get(0))) {
        problems.add(new EndpointProblem(service, slice.namespace() + "/" + slice.name(),
            "address \"" + endpoint.addresses().get(0) + "\" is not an "
                + (slice.addressType().isEmpty() ? "IP" : slice.addressType()) + " address; skipped"));
      }
    }
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
