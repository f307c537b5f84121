package io.shadowmirroring.xds.xds;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The xDS gRPC port: ADS (state-of-the-world and delta on the same service), the per-type discovery
 * services (CDS, EDS, LDS, RDS, RTDS) for clients that do not use ADS, gRPC health and server reflection. It takes its
 * {@link ServerBuilder} so tests can run it on an ephemeral port or in-process.
 */
public final class XdsGrpcServer implements AutoCloseable {
  private final Server server;
  private final HealthStatusManager health = new HealthStatusManager();

  public XdsGrpcServer(ServerBuilder<?> builder, DiscoveryServices discovery, List<BindableService> extra) {
    builder.intercept(new PeerAddressInterceptor());
    discovery.definitions().forEach(builder::addService);
    builder.addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance());
    extra.forEach(builder::addService);
    this.server = builder.build();
  }

  public XdsGrpcServer start() throws IOException {
    server.start();
    return this;
  }

  public int port() {
    return server.getPort();
  }

  /** The overall health ("" service) follows readiness: SERVING once a config is published. */
  public void serving(boolean serving) {
    health.setStatus("", serving
        ? io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING
        : io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
  }

  @Override
  public void close() throws InterruptedException {
    health.enterTerminalState();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
  }
}
