package io.shadowmirroring.xds.xds;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Makes the client's address visible to the xDS callbacks, which java-control-plane calls inside the
 * stream's gRPC context but without the call itself.
 */
public final class PeerAddressInterceptor implements ServerInterceptor {
  static final Context.Key<String> PEER_ADDRESS = Context.key("shadow-mirroring-peer-address");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String address = remote instanceof InetSocketAddress inet
        ? inet.getAddress().getHostAddress() + ":" + inet.getPort()
        : String.valueOf(remote);
    return Contexts.interceptCall(Context.current().withValue(PEER_ADDRESS, address), call, headers, next);
  }
}
