package io.shadowmirroring.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Answers application requests (every method, so the logs show which methods the proxy chose
 * to mirror) and logs one line for each.
 */
final class AppHandler implements HttpHandler {

  private final AppConfig config;
  private final Faults faults;
  private final Clock clock;
  private final Consumer<String> log;

  AppHandler(AppConfig config, Faults faults, Clock clock, Consumer<String> log) {
    this.config = config;
    this.faults = faults;
    this.clock = clock;
    this.log = log;
  }

  @Override
  public void handle(HttpExchange exchange) {
    long startNanos = System.nanoTime();
    String host = exchange.getRequestHeaders().getFirst("Host");
    boolean mirrored = MirroredHost.isMirrored(host);
    String path = exchange.getRequestURI().getRawPath();
    int status = 500;
    String error = null;
    try (exchange) {
      DemoServer.drain(exchange);
      faults.delay();
      if (faults.shouldFail()) {
        status = 500;
        error = "injected failure";
        DemoServer.send(exchange, status, "{\"error\":\"injected failure\",\"version\":"
            + Json.string(config.version()) + "}");
      } else if ("/".equals(path) || "/version".equals(path)) {
        status = 200;
        DemoServer.send(exchange, status, versionJson(mirrored));
      } else {
        status = 404;
        DemoServer.send(exchange, status, "{\"error\":\"not found\",\"path\":" + Json.string(path) + "}");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "interrupted while shutting down";
    } catch (IOException | RuntimeException e) {
      // Usually the client went away mid-response; still a request that did not get its answer.
      error = "response not delivered: " + e;
    } finally {
      long millis = (System.nanoTime() - startNanos) / 1_000_000;
      log.accept(new RequestLogLine(clock.instant(), exchange.getRequestMethod(), path, status, host,
          mirrored, config.version(), millis, error).format());
    }
  }

  private String versionJson(boolean mirrored) {
    return "{\"version\":" + Json.string(config.version())
        + ",\"instance\":" + Json.string(config.instance())
        + ",\"mirrored\":" + mirrored + "}";
  }
}
