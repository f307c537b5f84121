package io.shadowmirroring.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Starts the real server on a free loopback port and talks to it over HTTP. */
class DemoServerTest {

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<String> log = new CopyOnWriteArrayList<>();
  private DemoServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @ParameterizedTest(name = "GET {0}")
  @ValueSource(strings = {"/", "/version"})
  void reportsItsVersionAndInstanceAsJson(String path) throws Exception {
    start(0, Duration.ZERO);

    HttpResponse<String> response = get(path, null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.body()).isEqualTo("{\"version\":\"1.0.0\",\"instance\":\"pod-1\",\"mirrored\":false}");
  }

  @Test
  void logsOneLineWithResponseTimeMethodPathStatusAndHost() throws Exception {
    start(0, Duration.ZERO);

    get("/", "app-service.shadow-demo");

    String line = awaitLine(l -> l.contains("path=/ "));
    assertThat(line).contains(" INFO method=GET path=/ status=200 host=app-service.shadow-demo mirrored=false"
        + " version=1.0.0 response_time=");
    assertThat(line).matches(".* response_time=\\d+ms$");
  }

  @Test
  void aRequestWhoseHostEnvoyMarkedWithShadowIsReportedAsMirrored() throws Exception {
    start(0, Duration.ZERO);

    HttpResponse<String> response = get("/", "app-shadow-service.shadow-demo-shadow:80");

    assertThat(response.body()).contains("\"mirrored\":true");
    assertThat(awaitLine(l -> l.contains("path=/ "))).contains("mirrored=true");
  }

  @Test
  void withErrorRateOneEveryRequestFailsWithA500AndAnErrorLine() throws Exception {
    start(1.0, Duration.ZERO);

    HttpResponse<String> response = get("/", null);

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).contains("injected failure");
    assertThat(awaitLine(l -> l.contains("path=/ "))).contains(" ERROR ").contains("status=500");
  }

  @Test
  void theErrorRateIsTheShareOfRequestsThatFail() throws Exception {
    // Alternates 0.0, 0.9, 0.0, 0.9 ... so that a rate of 0.5 fails exactly every other request.
    AtomicInteger calls = new AtomicInteger();
    DoubleSupplier alternating = () -> calls.getAndIncrement() % 2 == 0 ? 0.0 : 0.9;
    AppConfig config = config(0.5, Duration.ZERO);
    server = DemoServer.start(config, new Faults(0.5, Duration.ZERO, alternating), Clock.systemUTC(), log::add);

    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      statuses.add(get("/", null).statusCode());
    }

    assertThat(statuses).containsExactly(500, 200, 500, 200);
  }

  @Test
  void healthzIsNeverFaultedSoTheKubeletDoesNotRestartABadShadow() throws Exception {
    start(1.0, Duration.ofMillis(300));

    long started = System.nanoTime();
    HttpResponse<String> response = get("/healthz", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(300));
    assertThat(log).noneMatch(l -> l.contains("/healthz"));
  }

  @Test
  void extraLatencyDelaysTheResponseAndShowsInResponseTime() throws Exception {
    start(0, Duration.ofMillis(120));

    long started = System.nanoTime();
    get("/", null);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(120));
    String line = awaitLine(l -> l.contains("path=/ "));
    long millis = Long.parseLong(line.replaceAll(".* response_time=(\\d+)ms$", "$1"));
    assertThat(millis).isGreaterThanOrEqualTo(120);
  }

  @Test
  void slowRequestsDoNotQueueBehindEachOther() throws Exception {
    start(0, Duration.ofMillis(400));

    long started = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> inFlight = IntStream
        .range(0, 4)
        .mapToObj(i -> http.sendAsync(request("/", null).build(), HttpResponse.BodyHandlers.ofString()))
        .toList();
    inFlight.forEach(CompletableFuture::join);

    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1_200));
  }

  @Test
  void unknownPathsAre404AndStillLogged() throws Exception {
    start(0, Duration.ZERO);

    HttpResponse<String> response = get("/nope", null);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(awaitLine(l -> l.contains("path=/nope"))).contains("status=404").contains(" INFO ");
  }

  @Test
  void answersEveryMethodSoTheLogsShowWhichOnesWereMirrored() throws Exception {
    start(0, Duration.ZERO);

    HttpResponse<String> post = http.send(request("/", null)
        .POST(HttpRequest.BodyPublishers.ofString("{\"order\":1}")).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> head = http.send(request("/", null)
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(awaitLine(l -> l.contains("method=POST"))).contains("status=200");
    assertThat(awaitLine(l -> l.contains("method=HEAD"))).contains("status=200");
  }

  @Test
  void announcesItsSettingsAtStartWithoutTheWordErrorThatGrepWouldCount() {
    start(0.5, Duration.ofMillis(5));

    assertThat(log.get(0)).contains(" INFO started version=1.0.0 port=" + server.port())
        .contains("error_rate=0.5").contains("extra_latency=5ms")
        .doesNotContain("ERROR");
  }

  @Test
  void aPortInUseIsReportedWithTheAddress() {
    start(0, Duration.ZERO);
    AppConfig samePort = new AppConfig("127.0.0.1", server.port(), "1.0.0", "pod-2", 0, Duration.ZERO);

    assertThatThrownBy(() -> DemoServer.start(samePort, log::add))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith("cannot listen on 127.0.0.1:" + server.port() + ": ");
  }

  private void start(double errorRate, Duration latency) {
    server = DemoServer.start(config(errorRate, latency), log::add);
  }

  private static AppConfig config(double errorRate, Duration latency) {
    return new AppConfig("127.0.0.1", 0, "1.0.0", "pod-1", errorRate, latency);
  }

  private HttpResponse<String> get(String path, String host) throws IOException, InterruptedException {
    return http.send(request(path, host).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest.Builder request(String path, String host) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(5));
    return host == null ? builder : builder.header("Host", host);
  }

  /** The line is written after the response, so the client can see the answer first. */
  private String awaitLine(Predicate<String> match) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : log) {
        if (match.test(line)) {
          return line;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no matching log line in " + log);
  }
}
