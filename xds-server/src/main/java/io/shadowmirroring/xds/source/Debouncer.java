package io.shadowmirroring.xds.source;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Folds bursts of change events into runs of an action on a single thread, at most one run starting per
 * {@code window}. The first event after a quiet period (no run started within the last window) runs the
 * action at once: an isolated change waits for nothing. Events that come while a run is scheduled join
 * it; events that come after a run started get the next run, {@code window} after the start of the last
 * one. So no event waits longer than {@code window} (plus a run still in progress), a steady stream of
 * events cannot starve the action, and churn costs at most one run a window.
 *
 * <p>Why not wait for a quiet period (each event pushing the run back): that adds the whole window to
 * every isolated change, and under steady churn (an EndpointSlice update every 20 ms) the window never
 * closes, so each change would wait for the maximum delay. {@code maxDelay} stays the bound on any wait;
 * with runs at most one window apart it holds whenever {@code maxDelay >= window}, which the constructor
 * ensures.
 */
public final class Debouncer implements AutoCloseable {
  /** Where the time and the single thread come from: a real executor, or a virtual one in tests. */
  interface Scheduler extends AutoCloseable {
    long nanoTime();

    /** Runs {@code task} after {@code delayNanos} on the one thread; tasks run one at a time. */
    void schedule(Runnable task, long delayNanos);

    @Override
    void close();
  }

  private final Scheduler scheduler;
  private final Runnable action;
  private final long windowNanos;
  private final long maxDelayNanos;
  // The scheduled run that has not started; events while it is set join it. A run clears it only when
  // it is that run (a runNow() that starts meanwhile must not make the next event schedule a second one).
  private ScheduledRun pending;
  private long lastRunStart;
  private boolean ranOnce;

  public Debouncer(String threadName, Duration window, Duration maxDelay, Runnable action) {
    this(executorScheduler(threadName), window, maxDelay, action);
  }

  Debouncer(Scheduler scheduler, Duration window, Duration maxDelay, Runnable action) {
    this.scheduler = scheduler;
    this.action = action;
    this.windowNanos = window.toNanos();
    this.maxDelayNanos = Math.max(maxDelay.toNanos(), windowNanos);
  }

  public synchronized void trigger() {
    if (pending != null) {
      return;
    }
    long delay = ranOnce ? Math.max(0, lastRunStart + windowNanos - scheduler.nanoTime()) : 0;
    ScheduledRun run = new ScheduledRun();
    pending = run;
    scheduler.schedule(run, Math.min(delay, maxDelayNanos));
  }

  private final class ScheduledRun implements Runnable {
    @Override
    public void run() {
      Debouncer.this.run(this);
    }
  }

  /** Runs the action on the debouncer's thread without waiting, e.g. for the first build. */
  public void runNow() {
    scheduler.schedule(() -> run(null), 0);
  }

  /** True while a triggered run is scheduled and has not started. */
  synchronized boolean hasPendingRun() {
    return pending != null;
  }

  private void run(ScheduledRun self) {
    synchronized (this) {
      if (self != null && self == pending) {
        pending = null;
      }
      lastRunStart = scheduler.nanoTime();
      ranOnce = true;
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
    scheduler.close();
  }

  private static Scheduler executorScheduler(String threadName) {
    ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, threadName);
      thread.setDaemon(true);
      return thread;
    });
    return new Scheduler() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void schedule(Runnable task, long delayNanos) {
        executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      }

      @Override
      public void close() {
        executor.shutdownNow();
      }
    };
  }
}
