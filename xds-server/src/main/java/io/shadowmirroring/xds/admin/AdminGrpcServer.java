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

  public AdminGrpcServer(NettyServerBuilder builder, BindableService admin, Optional<ServerInterceptor> auth) {
    HealthStatusManager health = new HealthStatusManager();
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

  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
  }
}
