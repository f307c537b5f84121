package io.shadowmirroring.xds.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code /metrics} (Prometheus text), {@code /healthz} (the process is alive) and {@code /readyz}
 * (the source has synced, a config is published, and no informer has stopped).
 */
public final class MetricsHttpServer implements AutoCloseable {
  private final HttpServer server;

  /**
   * @param notReadyReason empty when ready, else why not
   */
  public MetricsHttpServer(InetSocketAddress address, PrometheusMeterRegistry registry,
      Supplier<Optional<String>> notReadyReason) throws IOException {
    server = HttpServer.create(address, 0);
    server.createContext("/metrics", exchange -> respond(exchange, 200,
        "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.createContext("/healthz", exchange -> respond(exchange, 200, "text/plain", "ok\n"));
    server.createContext("/readyz", exchange -> {
      Optional<String> reason = notReadyReason.get();
      respond(exchange, reason.isEmpty() ? 200 : 503, "text/plain", reason.map(r -> r + "\n").orElse("ready\n"));
    });
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
