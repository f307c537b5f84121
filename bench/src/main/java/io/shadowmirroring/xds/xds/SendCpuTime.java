package io.shadowmirroring.xds.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shadowmirroring.xds.testing.HandMadeResources;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server-side CPU time of one route-table change sent to many SotW streams (issue 8, target 4):
 * N Envoy-like ADS streams over loopback hold 1,000 clusters and a route table of about 300 KB; one
 * mirror percentage changes; the CPU time of the server's own threads (event loops, executor) and of
 * the publishing thread is read before and after every stream has the new routes. The clients'
 * threads are not counted.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.shadowmirroring.xds.xds.SendCpuTime [streams] [rounds]}
 */
public final class SendCpuTime {
  private static final String RDS = XdsTypes.ROUTE;
  private static final int SERVICES = 1000;

  private SendCpuTime() {}

  public static void main(String[] args) throws Exception {
    int streams = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> new Thread(r, "srv-exec-" + threads.incrementAndGet()));
    NioEventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("srv-boss"));
    NioEventLoopGroup workers = new NioEventLoopGroup(2, new DefaultThreadFactory("srv-worker"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    NodeClassifier classifier = new NodeClassifier(10000);
    ProxyRegistry registry = new ProxyRegistry(classifier, meters, Clock.systemUTC());
    SnapshotPublisher publisher = new SnapshotPublisher(Duration.ofSeconds(3), 16, meters);
    XdsGrpcServer server = new XdsGrpcServer(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelType(NioServerSocketChannel.class)
        .executor(executor), new DiscoveryServices(publisher, registry), List.of()).start();
    Node node = Node.newBuilder().setId("bench").setUserAgentName("envoy").build();
    ProxyProfile profile = classifier.hash(node);
    publisher.publish(profile, resources(0));
    int routeBytes = resources(0).routes().get(0).getSerializedSize();

    List<ManagedChannel> channels = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
          .maxInboundMessageSize(64 << 20).build());
    }
    AtomicLong routeResponses = new AtomicLong();
    AtomicLong routeBytesReceived = new AtomicLong();
    for (int i = 0; i < streams; i++) {
      open(channels.get(i % channels.size()), node.toBuilder().setId("bench-" + i).build(), routeResponses,
          routeBytesReceived);
    }
    await(routeResponses, streams, "first routes");
    Thread.sleep(1000);
    System.out.printf(Locale.ROOT, "%d streams, route table %d bytes, %d clusters%n", streams, routeBytes, SERVICES);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int round = 1; round <= rounds; round++) {
      long before = serverCpu(mx);
      long publishing = mx.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      long expected = routeResponses.get() + streams;
      routeBytesReceived.set(0);
      publisher.publish(profile, resources(round));
      long publishCpu = mx.getCurrentThreadCpuTime() - publishing;
      await(routeResponses, expected, "round " + round);
      long wall = System.nanoTime() - start;
      Thread.sleep(300);
      long cpu = serverCpu(mx) - before + publishCpu;
      System.out.printf(Locale.ROOT, "round %d: server CPU %.2f s (publishing thread %.2f s), all streams had the "
              + "new routes after %.2f s, %.0f KB per stream%n", round, cpu / 1e9, publishCpu / 1e9, wall / 1e9,
          routeBytesReceived.get() / 1024.0 / streams);
    }
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
    publisher.close();
    executor.shutdownNow();
    boss.shutdownGracefully();
    workers.shutdownGracefully();
  }

  /** 1,000 Services, each mirrored at a percentage that changes with the round for Service 0 only. */
  static XdsResources resources(int round) {
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    RouteConfiguration.Builder routes = RouteConfiguration.newBuilder().setName("routes");
    for (int i = 0; i < SERVICES; i++) {
      String name = String.format(Locale.ROOT, "bench-namespace/service-%04d:8080", i);
      clusters.add(HandMadeResources.cluster(name, 250));
      assignments.add(HandMadeResources.assignment(name, "10.0." + (i / 250) + "." + (i % 250)));
      int percent = i == 0 ? 1 + round % 99 : 10;
      routes.addVirtualHosts(VirtualHost.newBuilder().setName(name)
          .addDomains(String.format(Locale.ROOT, "service-%04d.bench-namespace.svc.cluster.local", i))
          .addDomains(String.format(Locale.ROOT, "service-%04d.bench-namespace.svc.cluster.local:8080", i))
          .addDomains(String.format(Locale.ROOT, "service-%04d.bench-namespace", i))
          .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
              .setRoute(RouteAction.newBuilder().setCluster(name)
                  .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(name)
                      .setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
                          .setDefaultValue(FractionalPercent.newBuilder().setNumerator(percent * 10_000)
                              .setDenominator(FractionalPercent.DenominatorType.MILLION))
                          .setRuntimeKey("shadow-mirroring." + name))))));
    }
    return new XdsResources(clusters, assignments,
        List.of(HandMadeResources.listener("front", 10000, "routes")), List.of(routes.build()));
  }

  /** An Envoy-like stream: CDS and LDS wildcard, then EDS and RDS by name; ACKs everything. */
  private static void open(ManagedChannel channel, Node node, AtomicLong routeResponses, AtomicLong routeBytes) {
    StreamObserver<DiscoveryRequest>[] requests = new StreamObserver[1];
    requests[0] = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse response) {
        if (response.getTypeUrl().equals(RDS)) {
          routeBytes.addAndGet(response.getSerializedSize());
          routeResponses.incrementAndGet();
        }
        synchronized (requests) {
          requests[0].onNext(DiscoveryRequest.newBuilder().setTypeUrl(response.getTypeUrl())
              .setVersionInfo(response.getVersionInfo()).setResponseNonce(response.getNonce())
              .addAllResourceNames(names(response.getTypeUrl())).build());
        }
      }

      @Override
      public void onError(Throwable t) {
        // The end of the run cancels every stream.
      }

      @Override
      public void onCompleted() {
      }
    });
    synchronized (requests) {
      for (String type : List.of(XdsTypes.CLUSTER, XdsTypes.LISTENER, XdsTypes.ENDPOINT, RDS)) {
        requests[0].onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type)
            .addAllResourceNames(names(type)).build());
      }
    }
  }

  private static List<String> names(String type) {
    if (type.equals(RDS)) {
      return List.of("routes");
    }
    if (type.equals(XdsTypes.ENDPOINT)) {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < SERVICES; i++) {
        names.add(String.format(Locale.ROOT, "bench-namespace/service-%04d:8080", i));
      }
      return names;
    }
    return List.of();
  }

  private static void await(AtomicLong counter, long target, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (counter.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + ": only " + counter.get() + " of " + target + " after 120 s");
      }
      Thread.sleep(5);
    }
  }

  private static long serverCpu(ThreadMXBean mx) {
    long total = 0;
    for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (info != null && (info.getThreadName().startsWith("srv-") || info.getThreadName().startsWith("xds-"))) {
        long cpu = mx.getThreadCpuTime(info.getThreadId());
        total += Math.max(cpu, 0);
      }
    }
    return total;
  }
}
