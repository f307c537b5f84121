package io.shadowmirroring.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.BindableService;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shadowmirroring.xds.metrics.MetricsHttpServer;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.MirrorReconciler;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.xds.NackAwareConfigWatcher;
import io.shadowmirroring.xds.xds.NodeClassifier;
import io.shadowmirroring.xds.xds.ProxyRegistry;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import io.shadowmirroring.xds.xds.XdsGrpcServer;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires source → model → translate → xds, plus the metrics port, and owns their lifecycle. */
public final class ShadowMirroringServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowMirroringServer.class);

  private final ConfigSource source;
  private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProxyRegistry proxies;
  private final SnapshotPublisher publisher;
  private final MirrorReconciler reconciler;
  private final XdsGrpcServer xds;
  private final MetricsHttpServer metrics;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private ShadowMirroringServer(ServerSettings settings, ConfigSource source, List<BindableService> extraServices)
      throws Exception {
    this.source = source;
    NodeClassifier classifier = new NodeClassifier(settings.listenerPort());
    SimpleCache<ProxyProfile> cache = new SimpleCache<>(classifier);
    SnapshotPublisher[] publisherRef = new SnapshotPublisher[1];
    this.proxies = new ProxyRegistry(classifier, meters, Clock.systemUTC(), p -> publisherRef[0].ensureProfile(p));
    this.publisher = new SnapshotPublisher(cache, proxies, settings.ackWait(), meters);
    publisherRef[0] = publisher;
    this.reconciler = new MirrorReconciler(source, publisher, settings.debounce(), settings.maxDebounce(), meters);
    V3DiscoveryServer discovery = new V3DiscoveryServer(proxies, new NackAwareConfigWatcher(cache, proxies));
    this.xds = new XdsGrpcServer(
        NettyServerBuilder.forAddress(new InetSocketAddress(settings.xdsAddress(), settings.xdsPort())),
        discovery, extraServices);
    this.metrics = new MetricsHttpServer(new InetSocketAddress(settings.metricsAddress(), settings.metricsPort()),
        meters, this::notReadyReason);
    xds.serving(false);
    reconciler.onBuild(build -> xds.serving(notReadyReason().isEmpty()));
  }

  /** Starts every part; the source's first sync then publishes the first config. */
  public static ShadowMirroringServer start(ServerSettings settings, ConfigSource source) throws Exception {
    return start(settings, source, List.of());
  }

  public static ShadowMirroringServer start(ServerSettings settings, ConfigSource source,
      List<BindableService> extraServices) throws Exception {
    ShadowMirroringServer server = new ShadowMirroringServer(settings, source, extraServices);
    try {
      server.xds.start();
      server.reconciler.start();
    } catch (Exception e) {
      server.close();
      throw e;
    }
    LOG.info("xDS on port {}, metrics on port {}, source {}", server.xdsPort(), server.metricsPort(),
        source.describe());
    return server;
  }

  public int xdsPort() {
    return xds.port();
  }

  public int metricsPort() {
    return metrics.port();
  }

  public ProxyRegistry proxies() {
    return proxies;
  }

  public SnapshotPublisher publisher() {
    return publisher;
  }

  public MirrorReconciler reconciler() {
    return reconciler;
  }

  public ConfigSource source() {
    return source;
  }

  public PrometheusMeterRegistry meters() {
    return meters;
  }

  /** Empty when ready to serve; else the reason, as /readyz shows it. */
  public Optional<String> notReadyReason() {
    Optional<String> failure = source.failure();
    if (failure.isPresent()) {
      return failure;
    }
    if (!source.synced()) {
      return Optional.of("waiting for " + source.describe() + " to sync");
    }
    if (!publisher.hasPublished()) {
      return Optional.of("no configuration published yet");
    }
    return Optional.empty();
  }

  public void blockUntilShutdown() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    try {
      reconciler.close();
      source.close();
      metrics.close();
      xds.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped.countDown();
    }
  }
}
