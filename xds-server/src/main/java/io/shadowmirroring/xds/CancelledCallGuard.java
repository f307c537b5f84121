package io.shadowmirroring.xds;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Drops what a service sends on a call that gRPC has already cancelled, so that one client's over-size
 * message cannot end every other stream on its connection.
 *
 * <p>Why: when a message exceeds the inbound limit, grpc-java (since grpc/grpc-java#11073, the fix of
 * #3996) answers the stream with RESOURCE_EXHAUSTED trailers itself and cancels the call. A service that
 * then closes the call in its cancel handler, as java-control-plane's discovery server does, makes gRPC
 * write a second set of trailers on a stream that is already half-closed; Netty refuses that with
 * "Stream N in unexpected state HALF_CLOSED_LOCAL", which gRPC treats as a connection error, and the
 * whole connection goes: an Envoy's ADS stream with its over-size StreamMetrics stream. After
 * cancellation nothing a service sends can reach the client, so dropping it loses nothing.
 */
final class CancelledCallGuard implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata responseHeaders) {
        if (!isCancelled()) {
          super.sendHeaders(responseHeaders);
        }
      }

      @Override
      public void sendMessage(R message) {
        if (!isCancelled()) {
          super.sendMessage(message);
        }
      }

      @Override
      public void close(Status status, Metadata trailers) {
        if (!isCancelled()) {
          super.close(status, trailers);
        }
      }
    }, headers);
  }
}
