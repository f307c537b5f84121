package io.shadowmirroring.xds.analysis;

import io.envoyproxy.envoy.service.metrics.v3.MetricsServiceGrpc;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsResponse;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.xds.RawBytesMarshaller;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code envoy.service.metrics.v3.MetricsService/StreamMetrics}: Envoy's metrics sink streams a message per
 * stats flush and never reads an answer. Messages are taken as bytes, not parsed into generated classes, so the
 * scanner can skip the irrelevant families without building them. Nothing a proxy sends ends the stream.
 */
final class MetricsStreamService implements BindableService {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsStreamService.class);

  static final MethodDescriptor.Marshaller<byte[]> BYTES = RawBytesMarshaller.INSTANCE;

  static final MethodDescriptor<byte[], StreamMetricsResponse> METHOD = MetricsServiceGrpc.getStreamMetricsMethod()
      .toBuilder(BYTES, ProtoUtils.marshaller(StreamMetricsResponse.getDefaultInstance()))
      .build();

  private final MetricsIngest ingest;

  MetricsStreamService(MetricsIngest ingest) {
    this.ingest = ingest;
  }

  @Override
  public ServerServiceDefinition bindService() {
    // The generated schema descriptor keeps the service visible to server reflection.
    ServiceDescriptor descriptor = ServiceDescriptor.newBuilder(MetricsServiceGrpc.SERVICE_NAME)
        .setSchemaDescriptor(MetricsServiceGrpc.getServiceDescriptor().getSchemaDescriptor())
        .addMethod(METHOD)
        .build();
    return ServerServiceDefinition.builder(descriptor)
        .addMethod(METHOD, ServerCalls.asyncClientStreamingCall(this::stream))
        .build();
  }

  private StreamObserver<byte[]> stream(StreamObserver<StreamMetricsResponse> responses) {
    MetricsStream stream = ingest.open();
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] message) {
        try {
          ingest.accept(stream, message);
        } catch (RuntimeException e) {
          // A bug here must cost one message, not the proxy's stream.
          LOG.warn("could not use a StreamMetrics message ({} bytes): {}", message.length, e.toString());
          ingest.ignore(IgnoredInput.MALFORMED_MESSAGE, 1);
        }
      }

      @Override
      public void onError(Throwable t) {
        ingest.close(stream);
      }

      @Override
      public void onCompleted() {
        ingest.close(stream);
        responses.onNext(StreamMetricsResponse.getDefaultInstance());
        responses.onCompleted();
      }
    };
  }
}
