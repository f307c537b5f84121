package io.shadowmirroring.xds;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What SIGTERM does (a JVM shutdown hook), in this order:
 * <ol>
 *   <li>readiness off: {@code /readyz} 503 and gRPC health NOT_SERVING on both ports, while everything
 *       still serves;
 *   <li>{@link ShutdownSettings#drainDelay()} later, the xDS and admin ports stop accepting and send
 *       GOAWAY; calls in flight go on (an admin write lands and is answered), xDS streams, which never
 *       end by themselves, are cancelled after a few seconds and their proxies reconnect elsewhere;
 *   <li>once the admin calls are done, everything else stops (automation, source, metrics port).
 * </ol>
 * Whatever still runs when {@link ShutdownSettings#grace()} is over is cut short: the process halts,
 * so it always exits before Kubernetes' SIGKILL.
 */
public final class GracefulShutdown implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);
  /** Kept back from the grace for the last step, closing the source and the metrics port. */
  private static final Duration LAST_STEP = Duration.ofSeconds(1);

  private final ShadowMirroringServer server;
  private final ShutdownSettings settings;

  public GracefulShutdown(ShadowMirroringServer server, ShutdownSettings settings) {
    this.server = server;
    this.settings = settings;
  }

  /** The shutdown hook to register with {@link Runtime#addShutdownHook}. */
  public Thread hook() {
    return new Thread(this, "shutdown");
  }

  @Override
  public void run() {
    long start = System.nanoTime();
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(settings.grace().toMillis());
      } catch (InterruptedException e) {
        return;
      }
      LOG.error("shutdown: the grace of {} ms is over; halting now", settings.grace().toMillis());
      Runtime.getRuntime().halt(1);
    }, "shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    server.readinessOff();
    LOG.info("shutdown: readiness off (/readyz 503, gRPC health NOT_SERVING); GOAWAY in {} ms",
        settings.drainDelay().toMillis());
    sleep(settings.drainDelay());
    LOG.info("shutdown: GOAWAY on the xDS and admin ports; no new connections, calls in flight go on");
    server.stopAccepting();
    Duration left = settings.grace().minus(Duration.ofNanos(System.nanoTime() - start)).minus(LAST_STEP);
    boolean done = server.awaitAdminCalls(left.isNegative() ? Duration.ZERO : left);
    LOG.info("shutdown: admin calls {}; stopping the rest", done ? "finished" : "still running are cancelled");
    server.close();
    LOG.info("shutdown: done in {} ms", Duration.ofNanos(System.nanoTime() - start).toMillis());
    watchdog.interrupt();
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
