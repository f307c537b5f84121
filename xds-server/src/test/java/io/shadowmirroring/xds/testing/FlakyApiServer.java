package io.shadowmirroring.xds.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * fabric8's mock API server in CRUD mode, as one client (the server under test, told apart by its
 * User-Agent) sees an unreliable API server, while the test's own client always reaches it:
 *
 * <ul>
 *   <li>{@link #dropWatches()} closes every open watch of that client, as an API server restart or a
 *       load balancer does;
 *   <li>{@link #goAway()} closes them and answers every later request of that client with 503, as an API
 *       server that is down; {@link #comeBack()} ends that;
 *   <li>{@link #answerNextWatchesWithGarbage()} answers the next watch of each resource with an event that
 *       is not an object of the watched kind, on which fabric8's informers stop for good;
 *   <li>{@link #answerNextWatchesGone()} answers the next watch of each resource with a 410 Gone ERROR event
 *       on the opened stream, as a real API server does when the watch's resourceVersion is older than
 *       its watch cache (after a restart, say).
 * </ul>
 *
 * Changes the test makes while the server under test is cut off are stored, as in etcd.
 */
public final class FlakyApiServer implements AutoCloseable {
  /** The User-Agent of clients made by {@link #clientUnderTest()}. */
  public static final String UNDER_TEST = "xds-server-under-test";
  private static final String GONE_EVENT = "{\"type\":\"ERROR\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Status\","
      + "\"status\":\"Failure\",\"reason\":\"Expired\",\"code\":410,"
      + "\"message\":\"too old resource version (the API server restarted)\"}}";

  // What a proxy in front of the API server might put on a watch stream: fabric8 cannot read it as a
  // watch event, closes the watch with a WatcherException, and its informer stops for good.
  private static final String GARBAGE_EVENT = "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\","
      + "\"message\":\"502 Bad Gateway\"}}";

  private final KubernetesMockServer server;
  private final Set<WebSocket> openWatches = ConcurrentHashMap.newKeySet();
  private final Set<String> goneOnce = ConcurrentHashMap.newKeySet();
  private final Set<String> garbageOnce = ConcurrentHashMap.newKeySet();
  private final AtomicInteger garbageAnswered = new AtomicInteger();
  private final Set<String> watchedPaths = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger goneAnswered = new AtomicInteger();
  private volatile boolean away;

  public FlakyApiServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    KubernetesMixedDispatcher crud = new KubernetesMixedDispatcher(responses);
    Dispatcher flaky = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        if (!UNDER_TEST.equals(request.getHeader("User-Agent"))) {
          return crud.dispatch(request);
        }
        if (away) {
          refused.incrementAndGet();
          return new MockResponse().setResponseCode(503).setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\","
              + "\"status\":\"Failure\",\"code\":503,\"message\":\"the API server is away\"}");
        }
        if (!isWatch(request)) {
          return crud.dispatch(request);
        }
        String path = pathOf(request);
        watchedPaths.add(path);
        if (garbageOnce.remove(path)) {
          garbageAnswered.incrementAndGet();
          return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
              webSocket.send(GARBAGE_EVENT);
            }
          });
        }
        if (goneOnce.remove(path)) {
          goneAnswered.incrementAndGet();
          return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onOpen(WebSocket webSocket, Response response) {
              webSocket.send(GONE_EVENT);
              webSocket.close(1000, "gone");
            }
          });
        }
        MockResponse watch = crud.dispatch(request);
        return watch.withWebSocketUpgrade(new Tracked(watch.getWebSocketListener()));
      }

      @Override
      public void shutdown() {
        crud.shutdown();
      }
    };
    this.server = new KubernetesMockServer(new Context(), new MockWebServer(), responses, flaky, false);
    server.init();
  }

  private static boolean isWatch(RecordedRequest request) {
    return request.getMethod().equals("GET") && request.getPath().contains("watch=true");
  }

  private static String pathOf(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  /** Remembers the socket of each open watch, so that it can be closed from outside. */
  private final class Tracked extends WebSocketListener {
    private final WebSocketListener delegate;

    Tracked(WebSocketListener delegate) {
      this.delegate = delegate;
    }

    @Override
    public void onBeforeAccept(WebSocket webSocket, Response response) {
      delegate.onBeforeAccept(webSocket, response);
    }

    @Override
    public void onOpen(WebSocket webSocket, Response response) {
      openWatches.add(webSocket);
      delegate.onOpen(webSocket, response);
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      delegate.onMessage(webSocket, text);
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onMessage(WebSocket webSocket, byte[] bytes) {
      delegate.onMessage(webSocket, bytes);
    }

    @Override
    public void onPing(WebSocket webSocket, byte[] bytes) {
      delegate.onPing(webSocket, bytes);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      openWatches.remove(webSocket);
      delegate.onClosing(webSocket, code, reason);
    }

    @Override
    public void onClosed(WebSocket webSocket, int code, String reason) {
      openWatches.remove(webSocket);
      delegate.onClosed(webSocket, code, reason);
    }

    @Override
    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
      openWatches.remove(webSocket);
      delegate.onFailure(webSocket, t, response);
    }
  }

  /** A client as the server would build it, but with short reconnect intervals and no request retries. */
  public KubernetesClient clientUnderTest() {
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(server.url("/"))
        .withNamespace("default")
        .withUserAgent(UNDER_TEST)
        .withWatchReconnectInterval(100)
        .withRequestRetryBackoffLimit(0)
        .withRequestTimeout(2_000)
        .withConnectionTimeout(2_000)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The test's own client: never cut off. */
  public KubernetesClient createClient() {
    return server.createClient();
  }

  /** Closes every open watch of the client under test. */
  public int dropWatches() {
    int dropped = 0;
    for (WebSocket watch : Set.copyOf(openWatches)) {
      watch.close(1001, "going away");
      openWatches.remove(watch);
      dropped++;
    }
    return dropped;
  }

  public void goAway() {
    away = true;
    dropWatches();
  }

  public void comeBack() {
    away = false;
  }

  /** The next watch of each resource the client under test has watched gets 410 Gone. */
  public void answerNextWatchesGone() {
    goneOnce.addAll(watchedPaths);
  }

  /** The next watch of each resource the client under test has watched gets an event it cannot use. */
  public void answerNextWatchesWithGarbage() {
    garbageOnce.addAll(watchedPaths);
  }

  /** Requests of the client under test answered 503 while away. */
  public int refused() {
    return refused.get();
  }

  /** Watches answered with 410 Gone. */
  public int goneAnswered() {
    return goneAnswered.get();
  }

  @Override
  public void close() {
    server.destroy();
  }
}
