package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership through a {@code coordination.k8s.io} Lease and fabric8's leader election. A fabric8
 * elector that lost the Lease is finished for good (its loop ends), so a new one is started each time,
 * until this is closed: a replica that lost leadership stays a candidate.
 */
public final class LeaseLeadership implements Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseLeadership.class);

  private final KubernetesClient client;
  private final LeaseSettings settings;
  private final AtomicBoolean leader = new AtomicBoolean();
  private final Object lock = new Object();
  private CompletableFuture<?> election;
  private boolean closed;

  public LeaseLeadership(KubernetesClient client, LeaseSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /** The name this replica holds the Lease under. */
  public String identity() {
    return settings.identity();
  }

  @Override
  public boolean isLeader() {
    return leader.get();
  }

  @Override
  public void start() {
    synchronized (lock) {
      if (closed || election != null && !election.isDone()) {
        return;
      }
      var config = new LeaderElectionConfigBuilder()
          .withName(settings.name())
          .withLock(new LeaseLock(settings.namespace(), settings.name(), settings.identity()))
          .withLeaseDuration(settings.leaseDuration())
          .withRenewDeadline(settings.renewDeadline())
          .withRetryPeriod(settings.retryPeriod())
          .withReleaseOnCancel(true)
          .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped,
              holder -> LOG.info("Lease {}/{} is held by {}", settings.namespace(), settings.name(), holder)))
          .build();
      election = client.leaderElector().withConfig(config).build().start();
      election.whenComplete((ignored, error) -> {
        leader.set(false);
        if (error != null && !(error instanceof java.util.concurrent.CancellationException)) {
          LOG.warn("leader election for Lease {}/{} ended: {}", settings.namespace(), settings.name(),
              error.getMessage());
        }
        start();
      });
    }
  }

  private void started() {
    if (leader.compareAndSet(false, true)) {
      LOG.info("{} leads: automatic promotions and aborts are made here (Lease {}/{})", settings.identity(),
          settings.namespace(), settings.name());
    }
  }

  private void stopped() {
    if (leader.compareAndSet(true, false)) {
      LOG.info("{} no longer leads (Lease {}/{})", settings.identity(), settings.namespace(), settings.name());
    }
  }

  @Override
  public void close() {
    CompletableFuture<?> running;
    synchronized (lock) {
      closed = true;
      running = election;
    }
    leader.set(false);
    if (running != null) {
      // Cancelling releases the Lease (releaseOnCancel), so another replica takes over without waiting.
      running.cancel(true);
    }
  }

  @Override
  public String toString() {
    return "Lease " + settings.namespace() + "/" + settings.name() + " as " + settings.identity();
  }
}
