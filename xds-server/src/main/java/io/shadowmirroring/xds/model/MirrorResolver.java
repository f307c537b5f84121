package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.model.MirrorAnnotations.MIRROR_TO;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Checks a {@link MirrorSpec} against the Services that exist and picks each target's port. */
public final class MirrorResolver {

  /**
   * @param services every known Service by reference
   * @throws InvalidMirrorConfigException when a target Service or port does not exist, or two entries
   *     end up on the same target port
   */
  public ResolvedMirror resolve(ServiceInput primary, MirrorSpec spec, Map<ServiceRef, ServiceInput> services)
      throws InvalidMirrorConfigException {
    // Errors quote the annotation as the user wrote it.
    String value = primary.annotations().getOrDefault(MIRROR_TO, String.join(",",
        spec.targets().stream().map(TargetSpec::annotationValue).toList()));
    for (TargetSpec target : spec.targets()) {
      if (!services.containsKey(target.service())) {
        throw new InvalidMirrorConfigException(MIRROR_TO, value,
            "target Service " + target.service() + " does not exist");
      }
    }
    Map<Integer, List<MirrorCopy>> copies = new HashMap<>();
    Map<Integer, ClusterRef> promoted = new HashMap<>();
    for (ServicePort primaryPort : primary.ports()) {
      List<MirrorCopy> portCopies = new ArrayList<>();
      Set<ClusterRef> seen = new HashSet<>();
      for (TargetSpec target : spec.targets()) {
        ServiceInput targetService = services.get(target.service());
        ServicePort targetPort = targetPort(primaryPort, target, targetService, value);
        ClusterRef cluster = new ClusterRef(target.service(), targetPort.port());
        if (!seen.add(cluster)) {
          throw new InvalidMirrorConfigException(MIRROR_TO, value,
              "duplicate target: two entries mirror port " + primaryPort.port() + " to " + cluster);
        }
        if (spec.promote().filter(target.service()::equals).isPresent()) {
          promoted.put(primaryPort.port(), cluster);
        } else {
          portCopies.add(new MirrorCopy(cluster, spec.millionthsFor(target)));
        }
      }
      copies.put(primaryPort.port(), portCopies);
    }
    return new ResolvedMirror(spec, copies, promoted);
  }

  // Explicit port first; else the same number, else the same name, else the target's only port.
  private static ServicePort targetPort(
      ServicePort primaryPort, TargetSpec target, ServiceInput targetService, String value)
      throws InvalidMirrorConfigException {
    List<ServicePort> ports = targetService.ports();
    if (target.port().isPresent()) {
      String wanted = target.port().get();
      return ports.stream()
          .filter(p -> wanted.equals(Integer.toString(p.port())) || wanted.equals(p.name()))
          .findFirst()
          .orElseThrow(() -> new InvalidMirrorConfigException(MIRROR_TO, value, "target Service "
              + target.service() + " has no port " + wanted + " (it has " + describe(ports) + ")"));
    }
    Optional<ServicePort> sameNumber = ports.stream().filter(p -> p.port() == primaryPort.port()).findFirst();
    if (sameNumber.isPresent()) {
      return sameNumber.get();
    }
    Optional<ServicePort> sameName = primaryPort.name().isEmpty()
        ? Optional.empty()
        : ports.stream().filter(p -> p.name().equals(primaryPort.name())).findFirst();
    if (sameName.isPresent()) {
      return sameName.get();
    }
    if (ports.size() == 1) {
      return ports.get(0);
    }
    throw new InvalidMirrorConfigException(MIRROR_TO, value, "target Service " + target.service()
        + " has no port matching port " + primaryPort.port() + " by number or name (it has "
        + describe(ports) + "); name one as " + target.service().name() + ":PORT");
  }

  private static String describe(List<ServicePort> ports) {
    if (ports.isEmpty()) {
      return "no ports";
    }
    return String.join(", ", ports.stream()
        .map(p -> p.name().isEmpty() ? Integer.toString(p.port()) : p.port() + "/" + p.name())
        .toList());
  }
}
