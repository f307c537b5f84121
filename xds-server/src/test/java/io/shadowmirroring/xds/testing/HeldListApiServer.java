package io.shadowmirroring.xds.testing;

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
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * fabric8's mock API server in CRUD mode, except that it answers no list of Services until
 * {@link #release()}: an informer's first list hangs as it does on a slow or distant API server, so a
 * server started on it stays unsynced for as long as a test needs. Only lists of Services are held,
 * but the mock answers on one event loop, which a held list blocks: create objects before starting
 * what lists them, and read them after the release.
 */
public final class HeldListApiServer implements AutoCloseable {
  private static final long MAX_HOLD_SECONDS = 60;

  private final CountDownLatch released = new CountDownLatch(1);
  private final CountDownLatch listAsked = new CountDownLatch(1);
  private final KubernetesMockServer server;

  public HeldListApiServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(responses);
    Dispatcher held = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (isServiceList(request)) {
          listAsked.countDown();
          awaitRelease();
        }
        return crud.dispatch(request);
      }

      @Override
      public void shutdown() {
        released.countDown();
        crud.shutdown();
      }
    };
    this.server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, held, false);
    server.init();
  }

  private static boolean isServiceList(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    String resource = query < 0 ? path : path.substring(0, query);
    boolean watch = query >= 0 && path.substring(query).contains("watch=true");
    return request.getMethod().equals("GET") && resource.endsWith("/services") && !watch;
  }

  private void awaitRelease() {
    try {
      released.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A new client with its own connections; the server under test and the test each get one. */
  public KubernetesClient createClient() {
    return server.createClient();
  }

  /** The base URL, for a kubeconfig that a server in another process reads. */
  public String url() {
    return server.url("/").replaceAll("/$", "");
  }

  /** Waits until a client has asked for a list of Services (and is being held). */
  public boolean awaitListAsked(long timeout, TimeUnit unit) throws InterruptedException {
    return listAsked.await(timeout, unit);
  }

  /** Answers the held list, and every later one, at once. */
  public void release() {
    released.countDown();
  }

  @Override
  public void close() {
    release();
    server.destroy();
  }
}
