package io.shadowmirroring.xds;

import java.time.Duration;

/**
 * How the server stops on SIGTERM (see {@link GracefulShutdown}).
 *
 * @param grace the whole budget from SIGTERM to exit; past it the process halts. Kubernetes kills the
 *     container {@code terminationGracePeriodSeconds} (30 s by default) after SIGTERM, so the default
 *     leaves 5 s of that for the JVM to exit
 * @param drainDelay how long the server stays reachable, unready, before it stops accepting and sends
 *     GOAWAY: the time for its endpoint to leave the Service (EndpointSlice update, kube-proxy rules),
 *     so that the proxies it lets go reconnect to another replica and not to this one
 */
public record ShutdownSettings(Duration grace, Duration drainDelay) {
  public static final ShutdownSettings DEFAULTS = new ShutdownSettings(Duration.ofSeconds(25), Duration.ofSeconds(5));

  public ShutdownSettings {
    if (grace.isNegative() || grace.isZero()) {
      throw new IllegalArgumentException("--shutdown-grace must be above 0");
    }
    if (drainDelay.isNegative() || drainDelay.compareTo(grace) >= 0) {
      throw new IllegalArgumentException("--shutdown-delay must be from 0 to below --shutdown-grace ("
          + grace.toMillis() + "ms)");
    }
  }
}
