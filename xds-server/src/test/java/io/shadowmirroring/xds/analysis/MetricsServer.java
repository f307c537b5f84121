package io.shadowmirroring.xds.analysis;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shadowmirroring.xds.testing.TestClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A real gRPC server on 127.0.0.1 serving only the analysis, with a channel to it and a hand-moved clock. */
final class MetricsServer implements AutoCloseable {
  final TestClock clock = new TestClock();
  final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  final ShadowAnalysis analysis = new ShadowAnalysis(meters, clock);
  private final Server server;
  final ManagedChannel channel;

  MetricsServer() throws Exception {
    this(ShadowAnalysis.MAX_MESSAGE_BYTES);
  }

  MetricsServer(int maxMessageBytes) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(analysis.metricsService())
        .addStreamTracerFactory(analysis.streamTracer())
        .maxInboundMessageSize(maxMessageBytes)
        .build()
        .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  double messages() {
    return meters.counter("shadow_mirroring_metrics_messages_total").count();
  }

  double ignored(IgnoredInput reason) {
    return meters.counter("shadow_mirroring_metrics_ignored_total", "reason", reason.label()).count();
  }

  /** Waits (at most 10 s) until the server has taken {@code count} messages, so the clock can move on. */
  void awaitMessages(int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (messages() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the server took " + messages() + " of " + count + " messages in 10 s");
      }
      Thread.sleep(2);
    }
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    analysis.close();
  }
}
