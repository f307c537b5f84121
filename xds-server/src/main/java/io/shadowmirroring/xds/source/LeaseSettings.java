package io.shadowmirroring.xds.source;

import java.time.Duration;
import java.util.Objects;

/**
 * The Lease that replicas compete for before acting.
 *
 * @param identity this replica's name in the Lease's holderIdentity; unique per process
 * @param leaseDuration how long a holder's claim lasts without renewal: the longest a dead leader delays
 *     the next one
 * @param renewDeadline how long the leader keeps trying to renew before it gives leadership up; shorter
 *     than {@code leaseDuration}, so that it stops acting before another replica may start
 * @param retryPeriod how often candidates try to acquire, and the leader renews
 */
public record LeaseSettings(String namespace, String name, String identity, Duration leaseDuration,
    Duration renewDeadline, Duration retryPeriod) {

  public static final String DEFAULT_NAME = "shadow-mirroring-automation";

  public LeaseSettings {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(identity, "identity");
  }

  /** The durations Kubernetes' own controllers use (15 s, 10 s, 2 s). */
  public static LeaseSettings of(String namespace, String identity) {
    return new LeaseSettings(namespace, DEFAULT_NAME, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
        Duration.ofSeconds(2));
  }

  public LeaseSettings withIdentity(String newIdentity) {
    return new LeaseSettings(namespace, name, newIdentity, leaseDuration, renewDeadline, retryPeriod);
  }

  public LeaseSettings withTimings(Duration lease, Duration renew, Duration retry) {
    return new LeaseSettings(namespace, name, identity, lease, renew, retry);
  }
}
