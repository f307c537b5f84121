package io.shadowmirroring.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * fabric8's mock API server in CRUD mode whose writes of Services (PATCH, PUT) take {@code writeTime}
 * before they are applied and answered, as on a busy API server: a write is in flight long enough for a
 * test to stop the server that sent it. It also records the Authorization header of every request.
 */
final class SlowWriteApiServer implements AutoCloseable {
  private final CountDownLatch writeArrived = new CountDownLatch(1);
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final KubernetesMockServer server;

  SlowWriteApiServer(Duration writeTime) {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(responses);
    Dispatcher slow = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization != null) {
          authorizations.add(authorization);
        }
        boolean write = request.getMethod().equals("PATCH") || request.getMethod().equals("PUT");
        if (write && request.getPath().contains("/services/")) {
          writeArrived.countDown();
          try {
            Thread.sleep(writeTime.toMillis());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return crud.dispatch(request);
      }

      @Override
      public void shutdown() {
        crud.shutdown();
      }
    };
    server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, slow, false);
    server.init();
  }

  KubernetesClient createClient() {
    return server.createClient();
  }

  String url() {
    return server.url("/").replaceAll("/$", "");
  }

  /** Waits until a write of a Service has arrived (and is being held). */
  boolean awaitWrite(long timeout, TimeUnit unit) throws InterruptedException {
    return writeArrived.await(timeout, unit);
  }

  /** The Authorization headers the API server was sent, in order. */
  List<String> authorizations() {
    return List.copyOf(authorizations);
  }

  @Override
  public void close() {
    server.destroy();
  }
}
