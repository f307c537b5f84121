package io.shadowmirroring.bench;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.Debouncer;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The baseline: plain java-control-plane, as its README shows it ({@code SimpleCache} with one group,
 * {@code V3DiscoveryServer} with its defaults, one snapshot version for all types), fed by this
 * project's own sources, model and translator, so that it serves the very resources the xds-server
 * serves to the harness's proxies (profile {@code envoy:10000/edge}). It watches the input like the
 * xds-server does (same source classes, same 100 ms / 1 s debounce), so a change reaches both the same way.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.shadowmirroring.bench.BaselineServer --source
 * kubernetes|DIR --xds-port PORT}
 */
public final class BaselineServer {
  static final String GROUP = "all";
  private static final ProxyProfile PROFILE = ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, "");

  private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  private final MeshModelBuilder models = new MeshModelBuilder();
  private final MeshTranslator translator = new MeshTranslator();
  private final ConfigSource source;
  private final Debouncer debouncer;
  private final Server server;
  private long version;

  public BaselineServer(ConfigSource source, String address, int port) {
    this.source = source;
    this.debouncer = new Debouncer("baseline-rebuild", Duration.ofMillis(100), Duration.ofSeconds(1), this::rebuild);
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress(address, port))
        .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl())
        .build();
  }

  public BaselineServer start() throws Exception {
    server.start();
    source.start(debouncer::trigger);
    return this;
  }

  public int port() {
    return server.getPort();
  }

  private synchronized void rebuild() {
    if (!source.synced()) {
      return;
    }
    XdsResources resources = translator.translate(models.build(source.inventory()).model(), PROFILE);
    version++;
    cache.setSnapshot(GROUP, Snapshot.create(resources.clusters(), resources.endpoints(), resources.listeners(),
        resources.routes(), List.of(), Long.toString(version)));
  }

  public void close() throws Exception {
    server.shutdownNow();
    debouncer.close();
    source.close();
  }

  public static void main(String[] args) throws Exception {
    String sourceArgument = null;
    String address = "127.0.0.1";
    int port = 18000;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--source" -> sourceArgument = args[i + 1];
        case "--xds-address" -> address = args[i + 1];
        case "--xds-port" -> port = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
    if (sourceArgument == null) {
      throw new IllegalArgumentException("--source kubernetes|DIR is required");
    }
    ConfigSource source = sourceArgument.equals("kubernetes")
        ? new KubernetesSource(new KubernetesClientBuilder().build(), List.of(), "")
        : new DirectorySource(Path.of(sourceArgument), Duration.ofMillis(200));
    BaselineServer baseline = new BaselineServer(source, address, port).start();
    System.err.println("baseline: serving on " + address + ":" + baseline.port() + " from " + source.describe());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        baseline.close();
      } catch (Exception e) {
        // Exiting anyway.
      }
    }));
    baseline.server.awaitTermination();
  }
}
