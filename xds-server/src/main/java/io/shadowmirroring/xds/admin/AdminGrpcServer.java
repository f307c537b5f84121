package io.shadowmirroring.xds.admin;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The admin port: {@code MirrorAdmin} behind the token check, plus gRPC health and reflection. */
public final class AdminGrpcServer implements AutoCloseable {
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();

  public AdminGrpcServer(NettyServerBuilder builder, BindableService admin, Optional<ServerInterceptor> auth) {
    auth.ifPresent(builder::intercept);
    this.server = builder.addService(admin)
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .build();
  }

  public AdminGrpcServer start() throws IOException {
    server.start();
    return this;
  }

  public int port() {
    return server.getPort();
  }

  /** Health NOT_SERVING for good: the server is going away. */
  public void notServing() {
    health.enterTerminalState();
  }

  /** Stops accepting and sends GOAWAY; calls in flight go on. */
  public void shutdown() {
    server.shutdown();
  }

  /** Whether every call in flight finished within the timeout. */
  public boolean awaitTermination(java.time.Duration timeout) throws InterruptedException {
    return server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
  }
}
