package io.shadowmirroring.demo;

import java.util.Locale;

/**
 * Tells mirrored requests apart from live ones.
 *
 * <p>Envoy appends {@code -shadow} to the host part of a mirrored request's Host header
 * ({@code app-service.shadow-demo:80} becomes {@code app-service.shadow-demo-shadow:80}) unless
 * the Service says {@code shadow-mirroring.io/keep-host: "true"}. That suffix is the only mark a
 * mirrored request carries, so this is a best guess: with keep-host it reports {@code false}.
 */
final class MirroredHost {

  private static final String SUFFIX = "-shadow";

  private MirroredHost() {
  }

  static boolean isMirrored(String hostHeader) {
    if (hostHeader == null) {
      return false;
    }
    return hostOnly(hostHeader.strip()).toLowerCase(Locale.ROOT).endsWith(SUFFIX);
  }

  /** Drops a trailing {@code :port}, leaving IPv6 literals such as {@code [::1]} intact. */
  static String hostOnly(String host) {
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      return close < 0 ? host : host.substring(0, close + 1);
    }
    int colon = host.lastIndexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }
}
