package io.shadowmirroring.xds.source;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Folds bursts of change events into runs of an action on a single thread. The first event after a quiet
 * period (no event and no run within the last {@code window}) runs the action at once: an isolated change
 * waits for nothing. An event that comes sooner starts a burst: each event of it pushes the run back by
 * {@code window}, but never past {@code maxDelay} after the burst's first event, so a steady stream of
 * events cannot starve the action.
 *
 * <p>Why bursts are not run once a window: every run sends each proxy the changed resources, and a
 * state-of-the-world proxy ACKs each response naming every resource of the type (an EDS ACK names all
 * of its ClusterLoadAssignments). Under churn (bench scenario 8: an EndpointSlice update every 20 ms,
 * 500 proxies) ten runs a second made ten responses and ten 1,000-name ACKs per proxy per second, and
 * the backlog grew (p99 6 s, rising); folded up to {@code maxDelay}, the proxies keep up.
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
  private long lastEvent;
  private long burstStart;
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
    long now = scheduler.nanoTime();
    boolean quiet = !ranOnce || (now - lastEvent >= windowNanos && now - lastRunStart >= windowNanos);
    lastEvent = now;
    if (pending != null) {
      pending.due = Math.min(now + windowNanos, burstStart + maxDelayNanos);
      return;
    }
    burstStart = now;
    ScheduledRun run = new ScheduledRun(quiet ? now : now + Math.min(windowNanos, maxDelayNanos));
    pending = run;
    scheduler.schedule(run, run.due - now);
  }

  private final class ScheduledRun implements Runnable {
    /** When it runs; events of its burst move it later. Guarded by the debouncer. */
    long due;

    ScheduledRun(long due) {
      this.due = due;
    }

    @Override
    public void run() {
      long wait;
      synchronized (Debouncer.this) {
        wait = due - scheduler.nanoTime();
      }
      if (wait > 0) {
        scheduler.schedule(this, wait);
        return;
      }
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
