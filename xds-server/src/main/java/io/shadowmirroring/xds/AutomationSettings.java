package io.shadowmirroring.xds;

import io.shadowmirroring.xds.source.LeaseSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;

/**
 * How often verdicts are checked for {@code auto-promote} / {@code auto-abort}, and the Lease replicas
 * compete for before acting on them (Kubernetes mode).
 */
public record AutomationSettings(Duration interval, LeaseSettings lease) {

  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

  /** Every 10 s; the Lease in the pod's namespace, held under the pod's name. */
  public static AutomationSettings defaults() {
    return of(DEFAULT_INTERVAL, defaultLeaseNamespace(System.getenv()));
  }

  public static AutomationSettings of(Duration interval, String leaseNamespace) {
    return new AutomationSettings(interval, LeaseSettings.of(leaseNamespace, identity(System.getenv())));
  }

  /** Ticks only when a test calls them; a quick Lease, so that tests see a leader within a second. */
  public static AutomationSettings forTests() {
    return new AutomationSettings(Duration.ofHours(1), LeaseSettings.of("default", identity(Map.of()))
        .withTimings(Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200)));
  }

  public AutomationSettings withLease(LeaseSettings newLease) {
    return new AutomationSettings(interval, newLease);
  }

  /** {@code POD_NAMESPACE} (the downward API), else {@code default}. */
  static String defaultLeaseNamespace(Map<String, String> env) {
    String namespace = env.get("POD_NAMESPACE");
    return namespace == null || namespace.isBlank() ? "default" : namespace.strip();
  }

  /**
   * The pod's name (or host name) plus a random suffix: a restarted pod with the same name must not
   * pass for the holder it replaces while that holder's Lease is still running.
   */
  static String identity(Map<String, String> env) {
    String name = env.getOrDefault("POD_NAME", env.get("HOSTNAME"));
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        name = "xds-server";
      }
    }
    byte[] suffix = new byte[3];
    new SecureRandom().nextBytes(suffix);
    return name.strip() + "-" + HexFormat.of().formatHex(suffix);
  }
}
