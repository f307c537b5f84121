package io.shadowmirroring.xds.analysis;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * Counts StreamMetrics streams that gRPC ended because a message was over the server's inbound size limit.
 * gRPC rejects such a message before any handler sees it (RESOURCE_EXHAUSTED); only a stream tracer sees why
 * the stream closed.
 */
final class OversizeMessageCounter extends ServerStreamTracer.Factory {
  private static final ServerStreamTracer NONE = new ServerStreamTracer() {};

  private final MetricsIngest ingest;

  OversizeMessageCounter(MetricsIngest ingest) {
    this.ingest = ingest;
  }

  @Override
  public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
    if (!MetricsStreamService.METHOD.getFullMethodName().equals(fullMethodName)) {
      return NONE;
    }
    return new ServerStreamTracer() {
      @Override
      public void streamClosed(Status status) {
        if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
          ingest.ignore(IgnoredInput.OVERSIZE_MESSAGE, 1);
        }
      }
    };
  }
}
