package io.shadowmirroring.xds.source;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Folds bursts of change events into one run of an action on a single thread. Each event pushes the
 * run back by {@code window}, but never past {@code maxDelay} after the first event of the burst, so a
 * steady stream of events cannot starve the action.
 */
public final class Debouncer implements AutoCloseable {
  private final ScheduledExecutorService executor;
  private final Runnable action;
  private final long windowNanos;
  private final long maxDelayNanos;
  private ScheduledFuture<?> pending;
  private long burstStart;
  // Which scheduled run is the pending one: a run that already started when a trigger replaced it
  // must not clear the replacement, or the next trigger would neither cancel it nor keep the burst.
  private long generation;

  public Debouncer(String threadName, Duration window, Duration maxDelay, Runnable action) {
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, threadName);
      thread.setDaemon(true);
      return thread;
    });
    this.action = action;
    this.windowNanos = window.toNanos();
    this.maxDelayNanos = Math.max(maxDelay.toNanos(), windowNanos);
  }

  public synchronized void trigger() {
    long now = System.nanoTime();
    if (pending == null) {
      burstStart = now;
    } else {
      pending.cancel(false);
    }
    long delay = Math.min(windowNanos, burstStart + maxDelayNanos - now);
    long scheduled = ++generation;
    pending = executor.schedule(() -> run(scheduled), Math.max(0, delay), TimeUnit.NANOSECONDS);
  }

  /** Runs the action on the debouncer's thread without waiting, e.g. for the first build. */
  public void runNow() {
    executor.execute(() -> run(-1));
  }

  /** True while a triggered run is scheduled and has not started. */
  synchronized boolean hasPendingRun() {
    return pending != null;
  }

  private void run(long scheduled) {
    synchronized (this) {
      if (scheduled == generation) {
        pending = null;
      }
    }
    try {
      action.run();
    } catch (RuntimeException e) {
      // Keep the thread alive for the next burst; the action logs its own failures in detail.
      org.slf4j.LoggerFactory.getLogger(Debouncer.class).error("debounced action failed", e);
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
