package io.shadowmirroring.xds.testing;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.ServerStreamTracer;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import io.shadowmirroring.xds.xds.DiscoveryServices;
import io.shadowmirroring.xds.xds.NodeClassifier;
import io.shadowmirroring.xds.xds.ProxyRegistry;
import io.shadowmirroring.xds.xds.ResponseBudget;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import io.shadowmirroring.xds.xds.XdsGrpcServer;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The xDS serving stage alone, on a real gRPC port on 127.0.0.1, fed hand-made resources per profile
 * rather than a model: for protocol tests that need shapes the translator does not make (several
 * route configurations for one proxy, clusters that change in place). Every resource set it serves is
 * checked against Envoy's proto constraints.
 */
public final class XdsStage implements AutoCloseable {
  public static final int LISTENER_PORT = 10000;

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final NodeClassifier classifier = new NodeClassifier(LISTENER_PORT);
  private final ProxyRegistry registry = new ProxyRegistry(classifier, meters, Clock.systemUTC());
  private final SnapshotPublisher publisher;
  private final XdsGrpcServer server;
  private final ManagedChannel channel;
  private final SnapshotConstraints constraints = new SnapshotConstraints();

  public XdsStage(int maxProfiles) throws Exception {
    this(maxProfiles, null, null);
  }

  /**
   * With its own response budget (else the default) and a tracer of the server's streams (else none).
   */
  public XdsStage(int maxProfiles, ResponseBudget budget, ServerStreamTracer.Factory tracer) throws Exception {
    publisher = new SnapshotPublisher(Duration.ofSeconds(5), maxProfiles, meters);
    publisher.onSnapshot(constraints);
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    if (tracer != null) {
      builder.addStreamTracerFactory(tracer);
    }
    server = new XdsGrpcServer(builder, budget == null ? new DiscoveryServices(publisher, registry)
        : new DiscoveryServices(publisher, registry, budget), List.of()).start();
    server.serving(true);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  public XdsStage() throws Exception {
    this(SnapshotPublisher.DEFAULT_MAX_PROFILES);
  }

  /** Serves the resources to every proxy whose node falls into the given node's profile. */
  public void publish(Node node, XdsResources resources) {
    publisher.publish(profile(node), resources);
  }

  public ProxyProfile profile(Node node) {
    return classifier.hash(node);
  }

  public ManagedChannel channel() {
    return channel;
  }

  public ProxyRegistry registry() {
    return registry;
  }

  public SimpleMeterRegistry meters() {
    return meters;
  }

  public XdsGrpcServer server() {
    return server;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    publisher.close();
    constraints.assertNoViolations();
  }
}
