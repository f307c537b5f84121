package io.shadowmirroring.xds.analysis;

import static io.shadowmirroring.xds.analysis.AnalysisFixtures.APP;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.ROUTE;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.SHADOW_STATS;
import static io.shadowmirroring.xds.analysis.AnalysisFixtures.VHOST;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsResponse;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.prometheus.client.Metrics.Bucket;
import io.prometheus.client.Metrics.Counter;
import io.prometheus.client.Metrics.Histogram;
import io.prometheus.client.Metrics.LabelPair;
import io.prometheus.client.Metrics.Metric;
import io.prometheus.client.Metrics.MetricFamily;
import io.prometheus.client.Metrics.MetricType;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import io.shadowmirroring.xds.testing.StreamMetricsClient;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Bad input is counted and ignored; it never ends a stream or harms the server. */
class BadInputTest {
  private static final String SHADOW_NAME = "cluster." + SHADOW_STATS;
  private static final String ROUTE_NAME = "vhost." + VHOST + ".route." + ROUTE;

  @Test
  @DisplayName("unknown names, negative and NaN values, huge label sets, wrong types and non-monotonic buckets are counted and skipped; the rest of the message and the stream are used")
  void badFamiliesAreSkipped() throws Exception {
    try (MetricsServer server = new MetricsServer();
        StreamMetricsClient client = new StreamMetricsClient(server.channel)) {
      server.analysis.onBuild(AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(5), 1), SHADOW));
      EnvoyStatsEmitter proxy = new EnvoyStatsEmitter("a", new EnvoyStatsEmitter.Mode(true, false,
          EnvoyStatsEmitter.HistogramMode.HISTOGRAM));
      LabelPair.Builder label = LabelPair.newBuilder().setName("envoy.cluster_name").setValue(SHADOW_STATS);
      Metric.Builder huge = Metric.newBuilder().setCounter(Counter.newBuilder().setValue(5));
      for (int i = 0; i < 100; i++) {
        huge.addLabel(label);
      }
      StreamMetricsMessage bad = proxy.flush().toBuilder()
          .addEnvoyMetrics(counter("some.unknown.stat", 1))
          .addEnvoyMetrics(counter(SHADOW_NAME + ".upstream_rq_5xx", -3))
          .addEnvoyMetrics(counter(SHADOW_NAME + ".upstream_rq_4xx", Double.NaN))
          .addEnvoyMetrics(MetricFamily.newBuilder().setName("cluster.upstream_rq_total").setType(MetricType.COUNTER)
              .addMetric(huge))
          .addEnvoyMetrics(MetricFamily.newBuilder().setName(SHADOW_NAME + ".upstream_rq_2xx")
              .setType(MetricType.GAUGE).addMetric(Metric.newBuilder().setGauge(
                  io.prometheus.client.Metrics.Gauge.newBuilder().setValue(4))))
          .addEnvoyMetrics(MetricFamily.newBuilder().setName(SHADOW_NAME + ".upstream_rq_time")
              .setType(MetricType.HISTOGRAM).addMetric(Metric.newBuilder().setHistogram(Histogram.newBuilder()
                  .setSampleCount(10)
                  .addBucket(Bucket.newBuilder().setUpperBound(1).setCumulativeCount(8))
                  .addBucket(Bucket.newBuilder().setUpperBound(5).setCumulativeCount(3)))))
          .addEnvoyMetrics(counter(ROUTE_NAME + ".upstream_rq_completed", 7))
          .build();
      client.send(bad);
      server.awaitMessages(1);
      assertThat(server.ignored(IgnoredInput.UNKNOWN_NAME)).isGreaterThanOrEqualTo(1);
      assertThat(server.ignored(IgnoredInput.INVALID_VALUE)).isEqualTo(2);
      assertThat(server.ignored(IgnoredInput.HUGE_LABEL_SET)).isEqualTo(1);
      assertThat(server.ignored(IgnoredInput.WRONG_TYPE)).isEqualTo(1);
      assertThat(server.ignored(IgnoredInput.NON_MONOTONIC_BUCKETS)).isEqualTo(1);

      // The same stream goes on, and the good families of both messages count.
      server.clock.advance(Duration.ofSeconds(5));
      client.send(proxy.flush().toBuilder().addEnvoyMetrics(counter(ROUTE_NAME + ".upstream_rq_completed", 3))
          .build());
      server.awaitMessages(2);
      assertThat(client.closed().isDone()).isFalse();
      assertThat(server.analysis.judge().compare(APP).get(0).production().requests()).isEqualTo(10);
    }
  }

  @Test
  @DisplayName("a stream whose first message has no node is ignored message by message, and stays open")
  void firstMessageWithoutNode() throws Exception {
    try (MetricsServer server = new MetricsServer();
        StreamMetricsClient client = new StreamMetricsClient(server.channel)) {
      server.analysis.onBuild(AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(5), 1), SHADOW));
      StreamMetricsMessage noNode = StreamMetricsMessage.newBuilder()
          .addEnvoyMetrics(counter(ROUTE_NAME + ".upstream_rq_completed", 7)).build();
      client.send(noNode);
      client.send(noNode);
      server.awaitMessages(2);
      assertThat(server.ignored(IgnoredInput.NO_NODE)).isEqualTo(2);
      assertThat(client.closed().isDone()).isFalse();
      assertThat(server.analysis.judge().compare(APP).get(0).production().requests()).isZero();
    }
  }

  @Test
  @DisplayName("bytes that are not a StreamMetricsMessage are counted; the stream goes on")
  void malformedBytes() throws Exception {
    try (MetricsServer server = new MetricsServer()) {
      server.analysis.onBuild(AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(5), 1), SHADOW));
      CompletableFuture<Status> closed = new CompletableFuture<>();
      StreamObserver<byte[]> raw = ClientCalls.asyncClientStreamingCall(
          server.channel.newCall(MetricsStreamService.METHOD, CallOptions.DEFAULT), observer(closed));
      StreamMetricsMessage good = StreamMetricsMessage.newBuilder()
          .setIdentifier(StreamMetricsMessage.Identifier.newBuilder().setNode(Node.newBuilder().setId("raw")))
          .addEnvoyMetrics(counter(ROUTE_NAME + ".upstream_rq_completed", 7)).build();
      raw.onNext(good.toByteArray());
      raw.onNext(new byte[] {0x12, 0x7f, 0x01, 0x02});
      raw.onNext(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
      server.awaitMessages(3);
      assertThat(server.ignored(IgnoredInput.MALFORMED_MESSAGE)).isEqualTo(2);
      raw.onCompleted();
      assertThat(closed.get(5, TimeUnit.SECONDS)).isEqualTo(Status.OK);
    }
  }

  @Test
  @DisplayName("an over-size message ends that stream with RESOURCE_EXHAUSTED and is counted; the next stream works")
  void oversizeMessage() throws Exception {
    try (MetricsServer server = new MetricsServer(64 * 1024);
        StreamMetricsClient client = new StreamMetricsClient(server.channel)) {
      server.analysis.onBuild(AnalysisFixtures.build(AnalysisFixtures.settings(Duration.ofMinutes(5), 1), SHADOW));
      EnvoyStatsEmitter proxy = new EnvoyStatsEmitter("big", new EnvoyStatsEmitter.Mode(false, false,
          EnvoyStatsEmitter.HistogramMode.HISTOGRAM)).withOtherClusters(2000);
      StreamMetricsMessage big = proxy.flush();
      assertThat(big.getSerializedSize()).isGreaterThan(64 * 1024);
      client.send(big);
      assertThat(client.closed().get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (server.ignored(IgnoredInput.OVERSIZE_MESSAGE) < 1 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(server.ignored(IgnoredInput.OVERSIZE_MESSAGE)).isEqualTo(1);

      client.finish();
      client.send(StreamMetricsMessage.newBuilder()
          .setIdentifier(StreamMetricsMessage.Identifier.newBuilder().setNode(Node.newBuilder().setId("big")))
          .addEnvoyMetrics(counter(ROUTE_NAME + ".upstream_rq_completed", 7)).build());
      server.awaitMessages(1);
      assertThat(client.closed().isDone()).isFalse();
    }
  }

  private static MetricFamily counter(String name, double value) {
    return MetricFamily.newBuilder().setName(name).setType(MetricType.COUNTER)
        .addMetric(Metric.newBuilder().setCounter(Counter.newBuilder().setValue(value))).build();
  }

  private static StreamObserver<StreamMetricsResponse> observer(CompletableFuture<Status> closed) {
    return new StreamObserver<>() {
      @Override
      public void onNext(StreamMetricsResponse value) {}

      @Override
      public void onError(Throwable t) {
        closed.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        closed.complete(Status.OK);
      }
    };
  }
}
