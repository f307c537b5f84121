package io.shadowmirroring.xds.model;

import java.util.Locale;
import java.util.Optional;

/** Which Services the server turns into routes (server-wide; {@code --expose}). */
public enum Exposure {
  /** Every port of every watched Service gets a cluster and a virtual host. */
  ALL,
  /**
   * Only Services that carry {@code shadow-mirroring.io/mirror-to} (valid or not: an invalid edit must
   * not take a Service off the proxy) or {@code shadow-mirroring.io/expose: "true"} get virtual hosts;
   * the Services their routes send to (mirror and promoted targets) get clusters only.
   */
  MIRRORED;

  public static Optional<Exposure> parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "all" -> Optional.of(ALL);
      case "mirrored" -> Optional.of(MIRRORED);
      default -> Optional.empty();
    };
  }

  /** True when the Service's annotations put it in scope under this mode. */
  public boolean exposes(ServiceInput service) {
    return this == ALL || service.annotations().containsKey(MirrorAnnotations.MIRROR_TO)
        || "true".equals(service.annotations().getOrDefault(MirrorAnnotations.EXPOSE, "").trim());
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
