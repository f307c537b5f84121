package io.shadowmirroring.xds.admin;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import java.util.Optional;
import java.util.Set;

/**
 * Bearer-token access to the admin API: the admin token may do everything, the read-only token only
 * the read calls. Health and reflection stay open for probes and tooling.
 */
public final class AdminAuthInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Set<String> READ_METHODS = Set.of(
      MirrorAdminGrpc.getListMirrorsMethod().getFullMethodName(),
      MirrorAdminGrpc.getGetMirrorMethod().getFullMethodName(),
      MirrorAdminGrpc.getListProxiesMethod().getFullMethodName(),
      MirrorAdminGrpc.getGetConfigDumpMethod().getFullMethodName(),
      MirrorAdminGrpc.getWatchMirrorsMethod().getFullMethodName());

  private final TokenFile adminToken;
  private final Optional<TokenFile> readOnlyToken;

  public AdminAuthInterceptor(TokenFile adminToken, Optional<TokenFile> readOnlyToken) {
    this.adminToken = adminToken;
    this.readOnlyToken = readOnlyToken;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (!method.startsWith(MirrorAdminGrpc.SERVICE_NAME + "/")) {
      return next.startCall(call, headers);
    }
    String header = headers.get(AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(
          "the admin API needs an 'authorization: Bearer <token>' header"));
    }
    String token = header.substring(7).trim();
    if (adminToken.matches(token)) {
      return next.startCall(call, headers);
    }
    if (readOnlyToken.isPresent() && readOnlyToken.get().matches(token)) {
      if (READ_METHODS.contains(method)) {
        return next.startCall(call, headers);
      }
      return refuse(call, Status.PERMISSION_DENIED.withDescription(
          "the read-only token cannot call " + call.getMethodDescriptor().getBareMethodName()));
    }
    return refuse(call, Status.UNAUTHENTICATED.withDescription("the bearer token is not valid"));
  }

  private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
