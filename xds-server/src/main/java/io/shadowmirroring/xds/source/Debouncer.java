package io.shadowmirroring.xds.source;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Folds bursts of change events into runs of an action on a single thread. The first event after a quiet
 * period (no event and no run within the last {@code window}, and no run going on) runs the action at
 * once: an isolated change waits for nothing. An event that comes sooner starts a burst: each event of it pushes the run back by
 * {@code window}, but never past the burst's fold after its first event, so a steady stream of events
 * cannot starve the action.
 *
 * <p>The fold is {@value #FOLD_PER_RUN} times as long as a run takes (a moving average, so that one slow
 * run, a garbage collection say, does not hold the next bursts for long), at least {@code window} and
 * at most {@code maxDelay}: under sustained churn the action runs at most about a third of the time,
 * however large the mesh, and a cheap run is not held back for long. Every run sends each proxy the
 * changed resources, and a state-of-the-world proxy ACKs each response naming every resource of the type
 * (an EDS ACK names all of its ClusterLoadAssignments). Bench scenario 8 (an EndpointSlice update every
 * 20 ms, 500 proxies): a fixed fold of 1 s kept p99 at 1.2 s; runs back to back, before the ACKs were
 * compared as bytes ({@code SotwRequest}), backed up (p99 6 s, rising).
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
  /** How many times a run's duration a burst may be folded for (bounded by window and maxDelay). */
  static final int FOLD_PER_RUN = 3;
  /** A run's duration, moving average: each run weighs a quarter. */
  private long runNanos = -1;
  // The scheduled run that has not started; events while it is set join it. A run clears it only when
  // it is that run (a runNow() that starts meanwhile must not make the next event schedule a second one).
  private ScheduledRun pending;
  private long lastRunEnd;
  private boolean running;
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
    boolean quiet = !ranOnce || (!running && now - lastEvent >= windowNanos && now - lastRunEnd >= windowNanos);
    lastEvent = now;
    if (pending != null) {
      pending.due = Math.min(now + windowNanos, burstStart + foldNanos());
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

  /** How long a burst may be folded for: a few times a run, within [window, maxDelay]. */
  private long foldNanos() {
    return Math.min(maxDelayNanos, Math.max(windowNanos, FOLD_PER_RUN * Math.max(runNanos, 0)));
  }

  private void run(ScheduledRun self) {
    long start;
    synchronized (this) {
      if (self != null && self == pending) {
        pending = null;
      }
      start = scheduler.nanoTime();
      running = true;
      ranOnce = true;
    }
    try {
      action.run();
    } catch (RuntimeException e) {
      // Keep the thread alive for the next burst; the action logs its own failures in detail.
      org.slf4j.LoggerFactory.getLogger(Debouncer.class).error("debounced action failed", e);
    } finally {
      synchronized (this) {
        lastRunEnd = scheduler.nanoTime();
        long took = lastRunEnd - start;
        runNanos = runNanos < 0 ? took : (3 * runNanos + took) / 4;
        running = false;
      }
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
