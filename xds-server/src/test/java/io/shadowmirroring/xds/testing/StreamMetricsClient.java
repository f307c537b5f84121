package io.shadowmirroring.xds.testing;

import io.envoyproxy.envoy.service.metrics.v3.MetricsServiceGrpc;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** Envoy's side of StreamMetrics: one client stream at a time, reopened after a reconnect. */
public final class StreamMetricsClient implements AutoCloseable {
  private final Channel channel;
  private StreamObserver<StreamMetricsMessage> stream;
  private CompletableFuture<Status> closed;

  public StreamMetricsClient(Channel channel) {
    this.channel = channel;
  }

  public void send(StreamMetricsMessage message) {
    if (stream == null) {
      open();
    }
    stream.onNext(message);
  }

  /** How the current stream ended, as the server closed it (OK after {@link #finish}). */
  public CompletableFuture<Status> closed() {
    return closed;
  }

  private void open() {
    CompletableFuture<Status> done = new CompletableFuture<>();
    closed = done;
    stream = MetricsServiceGrpc.newStub(channel).streamMetrics(new StreamObserver<StreamMetricsResponse>() {
      @Override
      public void onNext(StreamMetricsResponse value) {}

      @Override
      public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.complete(Status.OK);
      }
    });
  }

  /** Ends the current stream; the next send opens a new one. */
  public void finish() {
    if (stream != null) {
      stream.onCompleted();
      stream = null;
    }
  }

  @Override
  public void close() {
    finish();
  }
}
