package io.shadowmirroring.shadowctl;

import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@link FakeMirrorAdmin} served on 127.0.0.1 over real Netty, so the CLI's own channel code (and
 * its TLS and metadata) is what the tests exercise. A wrong bearer token is refused; no token is
 * let through, since most tests do not care about auth.
 */
final class TestServer implements AutoCloseable {
  final FakeMirrorAdmin admin = new FakeMirrorAdmin();
  private final Server server;

  private TestServer(ServerCredentials credentials) {
    ServerInterceptor auth = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String authorization = headers.get(AdminClient.AUTHORIZATION);
        admin.authorizations.add(authorization == null ? "" : authorization);
        if (authorization != null && !authorization.equals("Bearer " + FakeMirrorAdmin.TOKEN)) {
          call.close(Status.UNAUTHENTICATED.withDescription("invalid bearer token"), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
    // Like the real server's readiness guard: refused before the handler runs, so nothing is recorded or done.
    ServerInterceptor readiness = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (admin.notReadyAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
          admin.refusedNotReady.incrementAndGet();
          call.close(Status.UNAVAILABLE.withDescription(FakeMirrorAdmin.NOT_READY), new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
      }
    };
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials)
        .addService(ServerInterceptors.intercept(admin, readiness, auth))
        .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TestServer plaintext() {
    return new TestServer(InsecureServerCredentials.create());
  }

  static TestServer withCredentials(ServerCredentials credentials) {
    return new TestServer(credentials);
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
  }

  /** Runs the CLI against this server, with no environment. */
  Cli.Result shadowctl(String... args) {
    java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("--admin", address()));
    all.addAll(java.util.List.of(args));
    return Cli.run(java.util.Map.of(), all);
  }
}
