package io.shadowmirroring.xds.analysis;

import static io.shadowmirroring.xds.analysis.AnalysisFixtures.APP;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.ROUTE;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW_STATS;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.VHOST;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ServerTls;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import io.shadowmirroring.xds.testing.Manifests;
import io.shadowmirroring.xds.testing.StreamMetricsClient;
import io.shadowmirroring.xds.testing.TestCertificates;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The analysis inside the real server: StreamMetrics on the xDS port (plain and mTLS), judge(), /metrics. */
class ShadowAnalysisServerTest {
  @TempDir Path directory;

  private void writeServices() throws Exception {
    DirectoryServer.write(directory.resolve("app.yaml"), Manifests.documents(
        service("shadow-demo", "app-service", Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), 80,
            "http"),
        service("shadow-demo", "app-shadow-service", Map.of(), 80, "http")));
  }

  /** Two flushes of one proxy with 300 mirrored requests between them, until the judge has seen them. */
  private static void stream(Channel channel, ShadowMirroringServer server) throws Exception {
    try (StreamMetricsClient client = new StreamMetricsClient(channel)) {
      EnvoyStatsEmitter proxy = new EnvoyStatsEmitter("envoy-1", new EnvoyStatsEmitter.Mode(false, true,
          EnvoyStatsEmitter.HistogramMode.SUMMARY_AND_HISTOGRAM)).withOtherClusters(20);
      client.send(proxy.flush());
      for (int i = 0; i < 300; i++) {
        proxy.routeRequest(VHOST, ROUTE, 200, 5 + i % 40);
        proxy.clusterRequest(SHADOW_STATS, 200, 5.5 + i % 40);
      }
      client.send(proxy.flush());
      long requests = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (requests < 300 && System.nanoTime() < deadline) {
        AdsTestClient.sleep(10);
        List<TargetComparison> comparisons = server.judge().compare(APP);
        requests = comparisons.isEmpty() ? 0 : comparisons.get(0).production().requests();
      }
      assertThat(requests).isEqualTo(300);
      assertThat(client.closed().isDone()).isFalse();
    }
  }

  private static void awaitMirror(ShadowMirroringServer server) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (server.judge().compare(APP).isEmpty() && System.nanoTime() < deadline) {
      AdsTestClient.sleep(10);
    }
    assertThat(server.judge().compare(APP)).hasSize(1);
  }

  @Test
  @DisplayName("the xDS port serves StreamMetrics; judge() compares the mirror of the annotation; /metrics has the gauges")
  void servedOnTheXdsPort() throws Exception {
    writeServices();
    try (DirectoryServer server = new DirectoryServer(directory)) {
      awaitMirror(server.server());
      stream(server.channel(), server.server());

      TargetComparison comparison = server.server().judge().compare(APP).get(0);
      assertThat(comparison.target()).isEqualTo(AnalysisFixtures.SHADOW);
      assertThat(comparison.shadow().requests()).isEqualTo(300);
      assertThat(comparison.verdict()).isEqualTo(Verdict.PASSING);

      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.server().metricsPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains(
          "shadow_mirroring_comparison_requests{role=\"shadow\",service=\"shadow-demo/app-service:80\","
              + "target=\"shadow-demo/app-shadow-service:80\"}",
          "shadow_mirroring_comparison_verdict{service=\"shadow-demo/app-service:80\","
              + "target=\"shadow-demo/app-shadow-service:80\",verdict=\"PASSING\"}",
          "shadow_mirroring_comparison_latency_ms{quantile=\"0.99\",role=\"production\"",
          "shadow_mirroring_metrics_ignored_total{reason=\"unknown_name\"}",
          "shadow_mirroring_metrics_messages_total 2.0");
    }
  }

  @Test
  @DisplayName("with mTLS, a proxy with a CA-signed certificate streams its stats; one without is refused")
  void mutualTls() throws Exception {
    writeServices();
    Path pki = Files.createDirectories(directory.resolve("pki"));
    TestCertificates certificates = new TestCertificates();
    certificates.writeCa(pki.resolve("ca.pem"));
    certificates.issue("xds-server", BigInteger.valueOf(100), pki.resolve("server.pem"), pki.resolve("server-key.pem"));
    certificates.issue("envoy", BigInteger.valueOf(200), pki.resolve("client.pem"), pki.resolve("client-key.pem"));
    ServerSettings settings = ServerSettings.loopbackForTests().withTls(new ServerTls.Files(
        pki.resolve("server.pem"), pki.resolve("server-key.pem"), Optional.of(pki.resolve("ca.pem"))));
    try (ShadowMirroringServer server = ShadowMirroringServer.start(settings,
        new DirectorySource(directory, Duration.ofMillis(30)))) {
      awaitMirror(server);
      ManagedChannel withCert = Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(),
          TlsChannelCredentials.newBuilder().trustManager(pki.resolve("ca.pem").toFile())
              .keyManager(pki.resolve("client.pem").toFile(), pki.resolve("client-key.pem").toFile()).build()).build();
      ManagedChannel withoutCert = Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(),
          TlsChannelCredentials.newBuilder().trustManager(pki.resolve("ca.pem").toFile()).build()).build();
      try {
        stream(withCert, server);
        StreamMetricsClient refused = new StreamMetricsClient(withoutCert);
        refused.send(new EnvoyStatsEmitter("intruder", new EnvoyStatsEmitter.Mode(false, false,
            EnvoyStatsEmitter.HistogramMode.HISTOGRAM)).flush());
        assertThat(refused.closed().get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      } finally {
        withCert.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        withoutCert.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
