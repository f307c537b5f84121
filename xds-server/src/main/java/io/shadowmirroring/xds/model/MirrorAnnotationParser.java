package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.model.MirrorAnnotations.ANALYSIS;
import static io.shadowmirroring.xds.model.MirrorAnnotations.AUTO_ABORT;
import static io.shadowmirroring.xds.model.MirrorAnnotations.AUTO_PROMOTE;
import static io.shadowmirroring.xds.model.MirrorAnnotations.KEEP_HOST;
import static io.shadowmirroring.xds.model.MirrorAnnotations.MIRROR_LIMITS;
import static io.shadowmirroring.xds.model.MirrorAnnotations.MIRROR_METHODS;
import static io.shadowmirroring.xds.model.MirrorAnnotations.MIRROR_PERCENTAGE;
import static io.shadowmirroring.xds.model.MirrorAnnotations.MIRROR_TO;
import static io.shadowmirroring.xds.model.MirrorAnnotations.PROMOTE;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and checks a Service's {@code shadow-mirroring.io/*} annotations on their own. Checks that
 * need other Services (does the target exist, which port) belong to {@link MirrorResolver}.
 *
 * <p>This is the single definition of what a valid mirror is: every way of writing one (kubectl, the
 * admin API, the YAML directory) goes through it.
 */
public final class MirrorAnnotationParser {

  private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
  private static final Pattern TARGET = Pattern.compile(
      "(?:(?<ns>[^/:=]*)/)?(?<svc>[^/:=]*)(?::(?<port>[^/:=]*))?(?:=(?<pct>[^/:=]*))?");
  private static final Pattern LABEL = Pattern.compile(DNS_LABEL);
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?");
  private static final Pattern METHOD = Pattern.compile("[A-Z][A-Z-]{0,19}");
  private static final Set<String> UNMIRRORABLE_METHODS = Set.of("CONNECT");

  /**
   * Returns the spec, or empty when mirroring is off for this Service (no {@code mirror-to}). Every other key
   * is still checked without {@code mirror-to}, so a typo shows up before mirroring is turned on; apart from
   * {@code promote}, such keys are then ignored.
   *
   * @throws InvalidMirrorConfigException for the first problem found, in a fixed key order
   */
  public Optional<MirrorSpec> parse(ServiceRef primary, Map<String, String> annotations)
      throws InvalidMirrorConfigException {
    for (Map.Entry<String, String> entry : new java.util.TreeMap<>(annotations).entrySet()) {
      String key = entry.getKey();
      if (key.startsWith(MirrorAnnotations.PREFIX) && !MirrorAnnotations.KNOWN_KEYS.contains(key)) {
        throw new InvalidMirrorConfigException(key, entry.getValue(),
            "unknown annotation; known keys are " + String.join(", ", MirrorAnnotations.KNOWN_KEYS));
      }
      if (key.startsWith(MirrorAnnotations.PREFIX)
          && entry.getValue().length() > MirrorAnnotations.MAX_VALUE_LENGTH) {
        throw new InvalidMirrorConfigException(key, entry.getValue(), "value is "
            + entry.getValue().length() + " characters long; the limit is "
            + MirrorAnnotations.MAX_VALUE_LENGTH);
      }
    }

    int defaultMillionths = annotations.containsKey(MIRROR_PERCENTAGE)
        ? Percentage.parseMillionths(MIRROR_PERCENTAGE, annotations.get(MIRROR_PERCENTAGE))
        : Percentage.MILLION;
    MethodSet methods = annotations.containsKey(MIRROR_METHODS)
        ? parseMethods(annotations.get(MIRROR_METHODS))
        : MethodSet.DEFAULT;
    boolean keepHost = parseBoolean(annotations, KEEP_HOST);
    MirrorLimits limits = annotations.containsKey(MIRROR_LIMITS)
        ? MirrorLimitsAnnotation.parse(annotations.get(MIRROR_LIMITS))
        : MirrorLimits.DEFAULT;
    AnalysisSettings analysis = annotations.containsKey(ANALYSIS)
        ? AnalysisAnnotation.parse(annotations.get(ANALYSIS))
        : AnalysisSettings.DEFAULT;
    // auto-promote next to an explicit promote is fine: the target is simply promoted already.
    boolean autoPromote = parseBoolean(annotations, AUTO_PROMOTE);
    boolean autoAbort = parseBoolean(annotations, AUTO_ABORT);
    checkFlag(MirrorAnnotations.EXPOSE, annotations.get(MirrorAnnotations.EXPOSE));

    String mirrorTo = annotations.get(MIRROR_TO);
    if (mirrorTo == null) {
      if (annotations.containsKey(PROMOTE)) {
        throw new InvalidMirrorConfigException(PROMOTE, annotations.get(PROMOTE),
            "promote names a target of " + MIRROR_TO + ", which is not set");
      }
      return Optional.empty();
    }
    List<TargetSpec> targets = parseTargets(primary, mirrorTo);
    Optional<ServiceRef> promote = annotations.containsKey(PROMOTE)
        ? Optional.of(parsePromote(primary, annotations.get(PROMOTE), targets))
        : Optional.empty();
    return Optional.of(new MirrorSpec(targets, defaultMillionths, methods, promote, keepHost, limits, analysis,
        autoPromote, autoAbort));
  }

  private List<TargetSpec> parseTargets(ServiceRef primary, String value)
      throws InvalidMirrorConfigException {
    if (value.isBlank()) {
      throw new InvalidMirrorConfigException(MIRROR_TO, value,
          "no target; write [namespace/]service[:port][=percent], comma-separated");
    }
    List<TargetSpec> targets = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String raw : value.split(",", -1)) {
      String entry = raw.trim();
      TargetSpec target = parseTarget(primary, value, entry);
      if (target.service().equals(primary)) {
        throw new InvalidMirrorConfigException(MIRROR_TO, value,
            "target " + entry + " is the Service itself; mirror to another Service");
      }
      String identity = target.service() + ":" + target.port().orElse("");
      if (!seen.add(identity)) {
        throw new InvalidMirrorConfigException(MIRROR_TO, value, "duplicate target " + entry);
      }
      targets.add(target);
    }
    return targets;
  }

  private TargetSpec parseTarget(ServiceRef primary, String value, String entry)
      throws InvalidMirrorConfigException {
    Matcher m = TARGET.matcher(entry);
    if (entry.isEmpty() || !m.matches()) {
      throw new InvalidMirrorConfigException(MIRROR_TO, value, "malformed target \"" + entry
          + "\"; write [namespace/]service[:port][=percent], comma-separated");
    }
    String namespace = m.group("ns") == null ? primary.namespace() : m.group("ns");
    String service = m.group("svc");
    if (!LABEL.matcher(namespace).matches()) {
      throw new InvalidMirrorConfigException(MIRROR_TO, value, "target " + entry
          + " has an invalid namespace \"" + namespace + "\" (a DNS-1123 label is expected)");
    }
    if (!LABEL.matcher(service).matches()) {
      throw new InvalidMirrorConfigException(MIRROR_TO, value, "target " + entry
          + " has an invalid service name \"" + service + "\" (a DNS-1123 label is expected)");
    }
    Optional<String> port = Optional.ofNullable(m.group("port"));
    if (port.isPresent() && !isPort(port.get())) {
      throw new InvalidMirrorConfigException(MIRROR_TO, value, "target " + entry
          + " has an invalid port \"" + port.get() + "\" (a number from 1 to 65535 or a port name)");
    }
    OptionalInt millionths = m.group("pct") == null
        ? OptionalInt.empty()
        : OptionalInt.of(parseTargetPercentage(value, entry, m.group("pct")));
    return new TargetSpec(new ServiceRef(namespace, service), port, millionths);
  }

  private static int parseTargetPercentage(String value, String entry, String text)
      throws InvalidMirrorConfigException {
    try {
      return Percentage.parseMillionths(MIRROR_TO, text);
    } catch (InvalidMirrorConfigException e) {
      throw new InvalidMirrorConfigException(MIRROR_TO, value, "target " + entry + ": " + e.reason());
    }
  }

  private static boolean isPort(String port) {
    if (port.chars().allMatch(Character::isDigit) && !port.isEmpty()) {
      return port.length() <= 5 && Integer.parseInt(port) >= 1 && Integer.parseInt(port) <= 65535;
    }
    return PORT_NAME.matcher(port).matches() && port.chars().anyMatch(Character::isLetter);
  }

  private static ServiceRef parsePromote(ServiceRef primary, String value, List<TargetSpec> targets)
      throws InvalidMirrorConfigException {
    ServiceRef promoted = ServiceRef.parse(value.trim(), primary.namespace());
    long entries = targets.stream().filter(t -> t.service().equals(promoted)).count();
    if (entries > 1) {
      // Each entry maps a primary port to one of its ports; which would take the live traffic is unclear.
      throw new InvalidMirrorConfigException(PROMOTE, value, "promote names " + promoted + ", which "
          + MIRROR_TO + " lists " + entries + " times; promote a Service that is listed once");
    }
    if (entries == 0) {
      throw new InvalidMirrorConfigException(PROMOTE, value, "promote must name one of the targets in "
          + MIRROR_TO + " (" + String.join(", ", targets.stream()
              .map(t -> t.service().toString()).distinct().toList()) + ")");
    }
    return promoted;
  }

  private static MethodSet parseMethods(String value) throws InvalidMirrorConfigException {
    String trimmed = value.trim();
    if (trimmed.equals("*")) {
      return MethodSet.ALL;
    }
    Set<String> methods = new TreeSet<>();
    for (String raw : trimmed.split(",", -1)) {
      String method = raw.trim().toUpperCase(Locale.ROOT);
      if (method.equals("*")) {
        throw new InvalidMirrorConfigException(MIRROR_METHODS, value,
            "\"*\" means every method and cannot be combined with others");
      }
      if (!METHOD.matcher(method).matches()) {
        throw new InvalidMirrorConfigException(MIRROR_METHODS, value, "\"" + raw.trim()
            + "\" is not an HTTP method; write a comma-separated list like GET,HEAD or *");
      }
      if (UNMIRRORABLE_METHODS.contains(method)) {
        throw new InvalidMirrorConfigException(MIRROR_METHODS, value,
            method + " requests cannot be mirrored by Envoy");
      }
      methods.add(method);
    }
    return MethodSet.of(methods);
  }

  // Exposure is not part of the mirror (see Exposure); only its value is checked here.
  private static void checkFlag(String key, String value) throws InvalidMirrorConfigException {
    if (value != null && !value.trim().equals("true") && !value.trim().equals("false")) {
      throw new InvalidMirrorConfigException(key, value, "must be \"true\" or \"false\"");
    }
  }

  /** False when the key is absent. */
  private static boolean parseBoolean(Map<String, String> annotations, String key)
      throws InvalidMirrorConfigException {
    String value = annotations.get(key);
    if (value == null) {
      return false;
    }
    return switch (value.trim()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidMirrorConfigException(key, value, "must be \"true\" or \"false\"");
    };
  }
}
