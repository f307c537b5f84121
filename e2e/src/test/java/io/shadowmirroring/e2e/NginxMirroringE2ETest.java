package io.shadowmirroring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.demo.AppConfig;
import io.shadowmirroring.demo.DemoServer;
import io.shadowmirroring.xds.testing.Manifests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The seed's Method 3 with a real nginx: the config that the packaged jar's --print-nginx-config
 * renders from the same annotations, in front of the demo app as production (1.0.0) and shadow (2.0.0) on 127.0.0.1. The
 * shadow's request log shows which requests it received and with which Host. Skipped, with one line,
 * where nginx is not installed.
 */
class NginxMirroringE2ETest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path JAR = ROOT.resolve("xds-server/target/xds-server.jar");
  private static final String HOST = "app-service.shadow-demo";

  @TempDir Path dir;

  @BeforeAll
  static void needsNginx() {
    Nginx.assumeInstalled();
  }

  @Test
  @DisplayName("clients get production's answers; the shadow gets every GET with -shadow on the Host, no POST")
  void copiesSafeRequestsOnly() throws Exception {
    try (App production = new App("1.0.0", Duration.ZERO); App shadow = new App("2.0.0", Duration.ZERO);
         Nginx nginx = start(Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), production, shadow)) {
      for (int i = 0; i < 10; i++) {
        assertThat(RawHttp.once(port, "POST", HOST)).satisfies(r -> assertProduction(r));
      }
      for (int i = 0; i < 10; i++) {
        assertThat(RawHttp.once(port, "GET", HOST)).satisfies(r -> assertProduction(r));
        assertThat(RawHttp.once(port, "GET", HOST + ":80")).satisfies(r -> assertProduction(r));
      }

      awaitAtLeast(20, () -> shadow.requests("GET").size());
      Thread.sleep(300);
      assertThat(shadow.requests("GET")).hasSize(20)
          .allSatisfy(line -> assertThat(line).contains("mirrored=true"))
          .filteredOn(line -> line.contains(" host=" + HOST + "-shadow:80 ")).hasSize(10);
      assertThat(shadow.requests("GET")).filteredOn(line -> line.contains(" host=" + HOST + "-shadow ")).hasSize(10);
      assertThat(shadow.requests("POST")).as("POST is not mirrored by default").isEmpty();
      assertThat(production.requests("POST")).hasSize(10);
      assertThat(production.requests("GET")).hasSize(20)
          .allSatisfy(line -> assertThat(line).contains("mirrored=false"));
      assertThat(nginx.log()).as("nginx's error log").doesNotContain("[error]", "[emerg]");
    }
  }

  @Test
  @DisplayName("a 20% mirror copies 20% of 500 requests, within 3 sigma of a binomial")
  void copiesThePercentage() throws Exception {
    int requests = 500;
    double share = 0.2;
    try (App production = new App("1.0.0", Duration.ZERO); App shadow = new App("2.0.0", Duration.ZERO);
         Nginx nginx = start(Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service",
             "shadow-mirroring.io/mirror-percentage", "20"), production, shadow)) {
      try (RawHttp connection = new RawHttp(port)) {
        for (int i = 0; i < requests; i++) {
          assertProduction(connection.send("GET", HOST, true));
        }
      }
      int copies = awaitStable(() -> shadow.requests("GET").size());

      // As Gateway API's conformance test for percentage mirroring judges a sample.
      double mean = requests * share;
      double sigma = Math.sqrt(requests * share * (1 - share));
      assertThat((double) copies).as("copies of %d requests at 20%% (mean %.0f, sigma %.2f)", requests, mean, sigma)
          .isBetween(mean - 3 * sigma, mean + 3 * sigma);
      assertThat(production.requests("GET")).hasSize(requests);
    }
  }

  @Test
  @DisplayName("promote sends live traffic to the shadow, with the Host unchanged, and nothing to production")
  void promoteSwitchesLiveTraffic() throws Exception {
    try (App production = new App("1.0.0", Duration.ZERO); App shadow = new App("2.0.0", Duration.ZERO);
         Nginx nginx = start(Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service",
             "shadow-mirroring.io/promote", "app-shadow-service"), production, shadow)) {
      for (String method : List.of("GET", "POST", "GET")) {
        RawHttp.Response response = RawHttp.once(port, method, HOST);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"version\":\"2.0.0\"");
      }

      assertThat(shadow.requests("")).hasSize(3)
          .allSatisfy(line -> assertThat(line).contains(" host=" + HOST + " ", "mirrored=false"));
      assertThat(production.requests("")).isEmpty();
    }
  }

  /**
   * nginx finishes a request only when its mirror subrequests have finished, so a slow shadow holds the
   * next request on the same keep-alive connection (ingress-nginx's docs: "the original request will
   * throttle"), while Envoy's copies are fire-and-forget. Asserted causally, not by timing: with a
   * shadow that takes 2 s, a fresh connection gets its answer before the shadow has answered the copy,
   * and the second answer on a kept-alive connection comes only after the first copy was answered.
   */
  @Test
  @DisplayName("a slow shadow holds the next request on a keep-alive connection, not the response itself")
  void aSlowShadowHoldsTheNextRequestOnTheConnection() throws Exception {
    try (App production = new App("1.0.0", Duration.ZERO); App shadow = new App("2.0.0", Duration.ofSeconds(2));
         Nginx nginx = start(Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), production, shadow)) {
      assertProduction(RawHttp.once(port, "GET", HOST));
      assertThat(shadow.requests("GET")).as("the copy is still in the shadow when the client has its answer").isEmpty();
      awaitAtLeast(1, () -> shadow.requests("GET").size());

      try (RawHttp connection = new RawHttp(port)) {
        assertProduction(connection.send("GET", HOST, true));
        assertThat(shadow.requests("GET")).hasSize(1);
        assertProduction(connection.send("GET", HOST, true));
        assertThat(shadow.requests("GET")).as("the second answer waited for the first copy").hasSizeGreaterThan(1);
      }
    }
  }

  /**
   * The figures in the README: client latency through nginx with no mirror, and with a shadow that
   * adds 500 ms, on fresh connections and on one kept-alive connection. It asserts only what cannot
   * depend on the machine's speed: a kept-alive client waits at least the shadow's 500 ms per request.
   * More samples: -Dnginx.latency.samples=200.
   */
  @Test
  void measuresWhatASlowShadowCostsTheClient() throws Exception {
    int samples = Integer.getInteger("nginx.latency.samples", 10);
    Duration slow = Duration.ofMillis(500);
    Map<String, List<Double>> results = new java.util.LinkedHashMap<>();
    try (App production = new App("1.0.0", Duration.ZERO); App shadow = new App("2.0.0", slow)) {
      try (Nginx nginx = start(Map.of(), production, shadow)) {
        results.put("no mirror, fresh connections", fresh(samples));
        results.put("no mirror, one keep-alive connection", keptAlive(samples));
      }
      try (Nginx nginx = start(Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), production, shadow)) {
        results.put("mirror to a 500 ms shadow, fresh connections", fresh(samples));
        results.put("mirror to a 500 ms shadow, one keep-alive connection", keptAlive(samples));
      }
    }
    results.forEach((what, millis) -> System.out.printf("nginx latency, %s: p50 %.1f ms, p99 %.1f ms (%d requests)%n",
        what, percentile(millis, 50), percentile(millis, 99), millis.size()));

    List<Double> keptAlive = results.get("mirror to a 500 ms shadow, one keep-alive connection");
    assertThat(percentile(keptAlive.subList(1, keptAlive.size()), 50))
        .as("each request after the first waits for the previous copy").isGreaterThanOrEqualTo(450.0);
  }

  static Stream<Path> renderedConfigs() throws Exception {
    try (Stream<Path> cases = Files.list(ROOT.resolve("xds-server/src/test/resources/nginx-golden"))) {
      return Stream.concat(cases.map(c -> c.resolve("nginx.conf")).sorted().toList().stream(),
          Stream.of(ROOT.resolve("nginx/nginx.conf")));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("renderedConfigs")
  @DisplayName("nginx -t accepts every golden file and nginx/nginx.conf")
  void nginxAcceptsEveryRenderedConfig(Path file) throws Exception {
    String text = Files.readString(file);
    String http = text.substring(text.indexOf("http {\n"));

    assertThat(Nginx.check(Nginx.mainConfig(http, dir), dir)).as(file.toString()).isEmpty();
  }

  private int port;

  private Nginx start(Map<String, String> annotations, App production, App shadow) throws Exception {
    String yaml = Manifests.documents(
        Manifests.service("shadow-demo", "app-service", annotations, 80, "http"),
        Manifests.service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"),
        Manifests.endpointSlice("shadow-demo", "app-service", "http", production.port(), "127.0.0.1"),
        Manifests.endpointSlice("shadow-demo", "app-shadow-service", "http", shadow.port(), "127.0.0.1"));
    Path source = Files.createTempDirectory(dir, "source");
    Files.writeString(source.resolve("services.yaml"), yaml);
    port = PackagedServerE2ETest.freePort();
    Path run = Files.createTempDirectory(dir, "nginx");
    return Nginx.start(Nginx.mainConfig(printNginxConfig(source, port), run), run, port);
  }

  /** The README's command, run as a process: the http block it prints, listening on 127.0.0.1 only. */
  private static String printNginxConfig(Path source, int port) throws Exception {
    Process print = new ProcessBuilder(PackagedServerE2ETest.javaBinary(), "-jar", JAR.toString(),
        "--source", source.toString(), "--print-nginx-config", "--listener-port", Integer.toString(port))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String config = new String(print.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(print.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(print.exitValue()).as("--print-nginx-config exit code").isZero();
    String http = config.substring(config.indexOf("http {\n"));
    assertThat(http).contains("listen " + port + " default_server;", "listen " + port + ";");
    return http.replace("listen " + port, "listen 127.0.0.1:" + port);
  }

  private static void assertProduction(RawHttp.Response response) {
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.body()).contains("\"version\":\"1.0.0\"", "\"mirrored\":false");
  }

  private List<Double> fresh(int samples) throws Exception {
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < samples; i++) {
      long start = System.nanoTime();
      assertProduction(RawHttp.once(port, "GET", HOST));
      millis.add((System.nanoTime() - start) / 1e6);
    }
    return millis;
  }

  private List<Double> keptAlive(int samples) throws Exception {
    List<Double> millis = new ArrayList<>();
    try (RawHttp connection = new RawHttp(port)) {
      for (int i = 0; i < samples; i++) {
        long start = System.nanoTime();
        assertProduction(connection.send("GET", HOST, true));
        millis.add((System.nanoTime() - start) / 1e6);
      }
    }
    return millis;
  }

  private static double percentile(List<Double> values, int percent) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(percent / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, rank));
  }

  private static void awaitAtLeast(int expected, IntSupplier count) throws InterruptedException {
    for (int i = 0; i < 200 && count.getAsInt() < expected; i++) {
      Thread.sleep(50);
    }
    assertThat(count.getAsInt()).as("within 10 s").isGreaterThanOrEqualTo(expected);
  }

  /** The count once it has not changed for a second (copies still in flight have landed). */
  private static int awaitStable(IntSupplier count) throws InterruptedException {
    int last = -1;
    for (int i = 0; i < 30; i++) {
      int now = count.getAsInt();
      if (now == last) {
        return now;
      }
      last = now;
      Thread.sleep(1000);
    }
    throw new AssertionError("the count kept changing for 30 s");
  }

  /** The demo app in-process, keeping its request log lines. */
  private static final class App implements AutoCloseable {
    private final Queue<String> log = new ConcurrentLinkedQueue<>();
    private final DemoServer server;

    App(String version, Duration extraLatency) {
      server = DemoServer.start(new AppConfig("127.0.0.1", 0, version, "e2e-" + version, 0, extraLatency), log::add);
    }

    int port() {
      return server.port();
    }

    /** Request lines for a method, or all of them for "". */
    List<String> requests(String method) {
      return log.stream().filter(line -> line.contains(" method=" + method)).toList();
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
