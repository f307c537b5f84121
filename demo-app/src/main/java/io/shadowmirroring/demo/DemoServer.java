package io.shadowmirroring.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The HTTP side of the demo app: {@code /} and {@code /version} report the version,
 * {@code /healthz} is for the kubelet, everything else is a 404.
 */
public final class DemoServer implements AutoCloseable {

  /**
   * The JDK server runs handlers on its single dispatcher thread unless given an executor; with
   * EXTRA_LATENCY_MS set that would queue requests behind each other and measure the queue.
   */
  private static final int WORKER_THREADS = 16;

  private final HttpServer server;
  private final ExecutorService workers;

  private DemoServer(HttpServer server, ExecutorService workers) {
    this.server = server;
    this.workers = workers;
  }

  /**
   * Binds and starts serving.
   *
   * @param log receives one line per request and one at start-up
   * @throws UncheckedIOException when the address cannot be bound
   */
  public static DemoServer start(AppConfig config, Consumer<String> log) {
    return start(config, Faults.from(config), Clock.systemUTC(), log);
  }

  static DemoServer start(AppConfig config, Faults faults, Clock clock, Consumer<String> log) {
    InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + config.bindAddress() + ":" + config.port()
          + ": " + e.getMessage(), e);
    }
    ExecutorService workers = Executors.newFixedThreadPool(WORKER_THREADS, new WorkerThreads());
    server.setExecutor(workers);
    server.createContext("/healthz", DemoServer::health);
    server.createContext("/", new AppHandler(config, faults, clock, log));
    server.start();
    // Lower-case keys on purpose: see RequestLogLine on why nothing but failures says ERROR.
    log.accept(clock.instant() + " INFO started version=" + config.version()
        + " port=" + server.getAddress().getPort()
        + " error_rate=" + config.errorRate()
        + " extra_latency=" + config.extraLatency().toMillis() + "ms");
    return new DemoServer(server, workers);
  }

  /** The bound port, which differs from the configured one when that was 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Stops accepting, waits up to {@code grace} (whole seconds) for in-flight requests, then stops
   * the workers. On JDK 17 the server sleeps the whole grace even when idle, hence two methods.
   */
  public void stop(Duration grace) {
    server.stop((int) Math.min(Integer.MAX_VALUE, grace.toSeconds()));
    workers.shutdownNow();
    try {
      workers.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops at once, cutting off in-flight requests. */
  @Override
  public void close() {
    stop(Duration.ZERO);
  }

  /**
   * Never faulted and never logged: a probe that failed with the injected error rate would get
   * the shadow restarted, and probe lines would dilute the response-time comparison.
   */
  private static void health(HttpExchange exchange) throws IOException {
    try (exchange) {
      drain(exchange);
      send(exchange, 200, "{\"status\":\"ok\"}");
    }
  }

  static void send(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    boolean head = "HEAD".equalsIgnoreCase(exchange.getRequestMethod());
    // -1 means "no body"; a HEAD response must not carry one.
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Reads and discards a request body so that the connection can be reused. */
  static void drain(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
  }

  private static final class WorkerThreads implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "http-" + count.incrementAndGet());
      thread.setDaemon(true); // the server's own dispatcher thread keeps the JVM alive
      return thread;
    }
  }
}
