package io.shadowmirroring.xds.webhook;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import tools.jackson.core.type.TypeReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The validating admission webhook over HTTPS (the API server calls webhooks over TLS only):
 * {@code POST /validate} takes an AdmissionReview v1 and answers one.
 */
public final class WebhookServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
  public static final String PATH = "/validate";
  // An AdmissionReview carries the object and the old object; Kubernetes objects stay under ~1.5 MiB.
  private static final int MAX_BODY = 8 * 1024 * 1024;

  private final HttpsServer server;
  private final ExecutorService threads;
  private final KubernetesSerialization json = new KubernetesSerialization();
  private final ServiceAdmission admission;

  public WebhookServer(InetSocketAddress address, SSLContext tls, ServiceAdmission admission) throws IOException {
    this.admission = admission;
    this.threads = Executors.newFixedThreadPool(2, r -> {
      Thread thread = new Thread(r, "admission-webhook");
      thread.setDaemon(true);
      return thread;
    });
    server = HttpsServer.create(address, 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.setExecutor(threads);
    server.createContext(PATH, this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("POST")) {
        respond(exchange, 405, "text/plain", "POST an AdmissionReview v1\n");
        return;
      }
      // Read as plain JSON first: an object fabric8 cannot type must still get an answer with its uid.
      Map<String, Object> review;
      try (InputStream in = exchange.getRequestBody()) {
        byte[] body = in.readNBytes(MAX_BODY + 1);
        if (body.length > MAX_BODY) {
          respond(exchange, 413, "text/plain", "body over " + MAX_BODY + " bytes\n");
          return;
        }
        review = json.unmarshal(new String(body, StandardCharsets.UTF_8), new TypeReference<Map<String, Object>>() {});
      } catch (RuntimeException e) {
        respond(exchange, 400, "text/plain", "not an AdmissionReview: not a JSON object\n");
        return;
      }
      Object request = review == null ? null : review.get("request");
      Object uid = request instanceof Map<?, ?> fields ? fields.get("uid") : null;
      if (!(uid instanceof String)) {
        respond(exchange, 400, "text/plain", "not an AdmissionReview: no request.uid\n");
        return;
      }
      AdmissionReview answer = admission.review((String) uid, review);
      respond(exchange, 200, "application/json", json.asJson(answer));
    } catch (IOException | RuntimeException e) {
      LOG.warn("admission webhook: could not answer a request: {}", e.toString());
    }
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
