package io.shadowmirroring.xds;

import io.grpc.BindableService;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.shadowmirroring.xds.metrics.MetricsHttpServer;
import io.shadowmirroring.xds.model.Exposure;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.MirrorReconciler;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.xds.DiscoveryServices;
import io.shadowmirroring.xds.xds.NodeClassifier;
import io.shadowmirroring.xds.xds.ProxyRegistry;
import io.shadowmirroring.xds.xds.ResponseBudget;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import io.shadowmirroring.xds.xds.XdsGrpcServer;
import io.grpc.ServerInterceptor;
import io.shadowmirroring.xds.admin.AdminAuthInterceptor;
import io.shadowmirroring.xds.admin.AdminGrpcServer;
import io.shadowmirroring.xds.admin.ClientStatusService;
import io.shadowmirroring.xds.admin.ConfigVersions;
import io.shadowmirroring.xds.admin.MirrorAdminService;
import io.shadowmirroring.xds.admin.MirrorEditor;
import io.shadowmirroring.xds.admin.TokenFile;
import io.shadowmirroring.xds.analysis.ShadowJudge;
import io.shadowmirroring.xds.automation.ShadowAutomation;
import io.shadowmirroring.xds.source.Leadership;
import io.shadowmirroring.xds.webhook.ServiceAdmission;
import io.shadowmirroring.xds.webhook.WebhookServer;
import io.shadowmirroring.xds.analysis.ShadowAnalysis;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires source → model → translate → xds, plus the admin and metrics ports and the automation, and owns
 * their lifecycle.
 */
public final class ShadowMirroringServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowMirroringServer.class);

  private final ConfigSource source;
  private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProxyRegistry proxies;
  private final SnapshotPublisher publisher;
  private final MirrorReconciler reconciler;
  private final XdsGrpcServer xds;
  private final MetricsHttpServer metrics;
  private final Optional<ServerTls> tls;
  private final Optional<AdminGrpcServer> admin;
  private final Optional<ServerTls> webhookTls;
  private final Optional<WebhookServer> webhook;
  private final ConfigVersions versions;
  private final MirrorAdminService adminService;
  private final ShadowJudge judge;
  private final Leadership leadership;
  private final ShadowAutomation automation;
  private final ShadowAnalysis analysis;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean shuttingDown;

  private ShadowMirroringServer(ServerSettings settings, ConfigSource source, List<BindableService> extraServices,
      Optional<ShadowJudge> judgeOverride) throws Exception {
    this.source = source;
    NodeClassifier classifier = new NodeClassifier(settings.listenerPort());
    this.proxies = new ProxyRegistry(classifier, meters, Clock.systemUTC());
    this.publisher = new SnapshotPublisher(settings.ackWait(), settings.maxProfiles(), meters);
    this.reconciler = new MirrorReconciler(source, new MeshModelBuilder(settings.exposure()), publisher,
        settings.debounce(), settings.maxDebounce(), meters);
    this.analysis = new ShadowAnalysis(meters, Clock.systemUTC());
    reconciler.onBuild(analysis::onBuild);
    // The default Envoy profile always has a snapshot: its route version is the admin API's config version.
    ProxyProfile defaultProfile = ProxyProfile.envoy(settings.listenerPort());
    publisher.keep(defaultProfile);
    this.versions = new ConfigVersions(publisher, proxies, defaultProfile, reconciler::builder);
    this.judge = judgeOverride.orElseGet(analysis::judge);
    MirrorEditor editor = new MirrorEditor(source, reconciler, versions);
    this.adminService = new MirrorAdminService(reconciler, editor, proxies, publisher, versions, judge);
    this.leadership = source.leadership(settings.automation().lease());
    this.automation = new ShadowAutomation(reconciler::lastBuild, judge, editor, source.problemReporter(), leadership,
        Clock.systemUTC());
    automation.onVerdictChange(adminService::verdictsChanged);
    ServerTls tlsParts = null;
    ServerTls webhookTlsParts = null;
    try {
      tlsParts = settings.tls().isPresent() ? new ServerTls(settings.tls().get(), settings.tlsRefresh()) : null;
      this.tls = Optional.ofNullable(tlsParts);
      // The project's own xDS serving: per-stream state and steps, partial SotW EDS/RDS, shared bytes.
      DiscoveryServices discovery = new DiscoveryServices(publisher, proxies,
          new ResponseBudget(settings.limits().responseBudgetBytes(), meters));
      List<BindableService> xdsServices = new ArrayList<>(extraServices);
      xdsServices.add(new ClientStatusService(proxies, publisher));
      xdsServices.add(analysis.metricsService());
      NettyServerBuilder xdsBuilder = settings.limits().applyToXds(builder(settings.xdsAddress(), settings.xdsPort()));
      xdsBuilder.addStreamTracerFactory(analysis.streamTracer());
      this.xds = new XdsGrpcServer(xdsBuilder, discovery, xdsServices);
      this.admin = settings.admin().enabled()
          ? Optional.of(adminServer(settings.admin(), settings.limits())) : Optional.empty();
      if (settings.webhook().isPresent()) {
        WebhookSettings hook = settings.webhook().get();
        webhookTlsParts = new ServerTls(hook.tls(), settings.tlsRefresh());
        this.webhookTls = Optional.of(webhookTlsParts);
      } else {
        this.webhookTls = Optional.empty();
      }
      this.metrics = new MetricsHttpServer(new InetSocketAddress(settings.metricsAddress(), settings.metricsPort()),
          meters, this::notReadyReason);
      try {
        this.webhook = settings.webhook().isPresent()
            ? Optional.of(new WebhookServer(new InetSocketAddress(settings.webhook().get().address(),
                settings.webhook().get().port()), webhookTlsParts.sslContext(), new ServiceAdmission(source)))
            : Optional.empty();
      } catch (Exception | Error e) {
        metrics.close();
        throw e;
      }
    } catch (Exception | Error e) {
      // Nothing is listening yet; stop the threads already running.
      reconciler.close();
      for (ServerTls parts : java.util.Arrays.asList(tlsParts, webhookTlsParts)) {
        if (parts != null) {
          parts.close();
        }
      }
      throw e;
    }
    xds.serving(false);
    reconciler.onBuild(build -> xds.serving(notReadyReason().isEmpty()));
  }

  private NettyServerBuilder builder(String address, int port) {
    InetSocketAddress socket = new InetSocketAddress(address, port);
    return tls.map(t -> NettyServerBuilder.forAddress(socket, t.credentials()))
        .orElseGet(() -> NettyServerBuilder.forAddress(socket));
  }

  private AdminGrpcServer adminServer(AdminSettings settings, GrpcServerLimits limits) throws IOException {
    Optional<TokenFile> token = settings.tokenFile().isPresent()
        ? Optional.of(new TokenFile(settings.tokenFile().get())) : Optional.empty();
    Optional<TokenFile> readOnly = settings.readOnlyTokenFile().isPresent()
        ? Optional.of(new TokenFile(settings.readOnlyTokenFile().get())) : Optional.empty();
    if (token.isEmpty() && readOnly.isPresent()) {
      throw new IllegalArgumentException("--admin-read-token-file needs --admin-token-file as well");
    }
    if (token.isEmpty() && !InetAddress.getByName(settings.address()).isLoopbackAddress()) {
      throw new IllegalArgumentException("refusing to serve the admin API on " + settings.address()
          + " without --admin-token-file: anyone who can reach it could change mirrors");
    }
    Optional<ServerInterceptor> auth = token.map(t -> new AdminAuthInterceptor(t, readOnly));
    return new AdminGrpcServer(limits.applyToAdmin(builder(settings.address(), settings.port())), adminService, auth);
  }

  /** Starts every part; the source's first sync then publishes the first config. */
  public static ShadowMirroringServer start(ServerSettings settings, ConfigSource source) throws Exception {
    return start(settings, source, List.of());
  }

  public static ShadowMirroringServer start(ServerSettings settings, ConfigSource source,
      List<BindableService> extraServices) throws Exception {
    return start(settings, source, extraServices, Optional.empty());
  }

  /** With the given judge instead of the server's own (tests, embedding). */
  public static ShadowMirroringServer start(ServerSettings settings, ConfigSource source, ShadowJudge judge)
      throws Exception {
    return start(settings, source, List.of(), Optional.of(judge));
  }

  private static ShadowMirroringServer start(ServerSettings settings, ConfigSource source,
      List<BindableService> extraServices, Optional<ShadowJudge> judge) throws Exception {
    ShadowMirroringServer server = new ShadowMirroringServer(settings, source, extraServices, judge);
    try {
      server.xds.start();
      if (server.admin.isPresent()) {
        server.admin.get().start();
      }
      server.reconciler.start();
      server.analysis.start();
      server.leadership.start();
      server.automation.start(settings.automation().interval());
    } catch (Exception e) {
      server.close();
      throw e;
    }
    LOG.info("xDS on port {}, admin on {}, metrics on port {}, admission webhook {}, exposing {}, source {}",
        server.xdsPort(),
        server.admin.isPresent() ? settings.admin().address() + ":" + server.adminPort() : "off",
        server.metricsPort(), server.webhook.isPresent() ? "on port " + server.webhookPort() : "off",
        settings.exposure() == Exposure.ALL ? "all Services" : "mirrored and exposed Services", source.describe());
    return server;
  }

  public int xdsPort() {
    return xds.port();
  }

  /** The admin port, or -1 when the admin API is off. */
  public int adminPort() {
    return admin.map(AdminGrpcServer::port).orElse(-1);
  }

  /** The admission webhook's HTTPS port, or -1 when it is off. */
  public int webhookPort() {
    return webhook.map(WebhookServer::port).orElse(-1);
  }

  /** The admin service itself, e.g. to serve it in-process. */
  public MirrorAdminService adminService() {
    return adminService;
  }

  /** The verdict loop; tests call its {@code tick()} directly. */
  public ShadowAutomation automation() {
    return automation;
  }

  /** Whether this replica may act (automation); always true with a directory source. */
  public Leadership leadership() {
    return leadership;
  }

  public ShadowJudge judge() {
    return judge;
  }

  public ConfigVersions versions() {
    return versions;
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
    if (shuttingDown) {
      return Optional.of("shutting down");
    }
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

  // ---- Graceful shutdown: GracefulShutdown calls these steps in order, then close(). ----

  /** /readyz 503 and gRPC health NOT_SERVING on both ports, for good; everything still serves. */
  void readinessOff() {
    shuttingDown = true;
    xds.serving(false);
    admin.ifPresent(AdminGrpcServer::notServing);
  }

  /** Both gRPC ports stop accepting and send GOAWAY; xDS streams are cancelled after a few seconds. */
  void stopAccepting() {
    admin.ifPresent(AdminGrpcServer::shutdown);
    try {
      xds.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for the admin calls in flight (writes land and are answered); whether they all finished. */
  boolean awaitAdminCalls(java.time.Duration timeout) {
    try {
      return admin.isEmpty() || admin.get().awaitTermination(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ---- end of graceful shutdown ----

  public void blockUntilShutdown() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void close() {
    // Each part on its own: one failing to stop must not keep the others running.
    // The automation first, and the Lease released, so that another replica takes over at once.
    List<AutoCloseable> parts = new ArrayList<>(List.of(automation, leadership, reconciler, publisher, source, metrics,
        analysis));
    webhook.ifPresent(parts::add);
    admin.ifPresent(parts::add);
    parts.add(xds);
    tls.ifPresent(parts::add);
    webhookTls.ifPresent(parts::add);
    for (AutoCloseable part : parts) {
      try {
        part.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.warn("could not stop {}: {}", part.getClass().getSimpleName(), e.getMessage());
      }
    }
    stopped.countDown();
  }
}
