package io.shadowmirroring.xds.analysis;

import io.grpc.BindableService;
import io.grpc.ServerStreamTracer;
import io.micrometer.core.instrument.MeterRegistry;
import io.shadowmirroring.xds.model.ModelBuild;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The comparison of shadows with production: Envoy's MetricsService stream in, verdicts and gauges out.
 *
 * <p>Wiring: serve {@link #metricsService()} on the xDS port with {@link #streamTracer()} and an inbound
 * message limit of {@link #MAX_MESSAGE_BYTES}; feed every {@link ModelBuild} to {@link #onBuild}; call
 * {@link #start()} once and {@link #close()} at the end; ask {@link #judge()} for comparisons.
 */
public final class ShadowAnalysis implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowAnalysis.class);

  /**
   * The largest StreamMetrics message accepted. Envoy puts a whole flush in one message: about 75 bytes a
   * stat, so 20,000 stats take 1.5 MB and gRPC's default 4 MiB would refuse a large proxy's flush.
   */
  public static final int MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

  /** How often verdicts and gauges are recomputed and old data dropped. */
  public static final Duration REFRESH = Duration.ofSeconds(5);

  private final MetricsIngest ingest;
  private final ComparisonJudge judge;
  private final ComparisonGauges gauges;
  private final MetricsStreamService service;
  private final OversizeMessageCounter tracer;
  private ScheduledExecutorService refresher;
  private List<TargetComparison> published = List.of();
  /** How many times the gauges were rebuilt: what the loops' cost tests count. */
  int gaugeUpdates;

  public ShadowAnalysis(MeterRegistry meters, Clock clock) {
    this.ingest = new MetricsIngest(clock, meters);
    this.judge = new ComparisonJudge(ingest, clock);
    this.gauges = new ComparisonGauges(meters);
    this.service = new MetricsStreamService(ingest);
    this.tracer = new OversizeMessageCounter(ingest);
  }

  /** {@code envoy.service.metrics.v3.MetricsService}. */
  public BindableService metricsService() {
    return service;
  }

  /** Counts StreamMetrics messages refused for their size; add it to the server that serves the service. */
  public ServerStreamTracer.Factory streamTracer() {
    return tracer;
  }

  /** Where StreamMetrics go; for tests that feed messages without gRPC. */
  MetricsIngest ingest() {
    return ingest;
  }

  public ShadowJudge judge() {
    return judge;
  }

  /** Takes the mirror pairs, and their analysis settings, of a new model build. */
  public void onBuild(ModelBuild build) {
    StatPlan plan = StatPlan.from(build, ingest.plan());
    if (plan == ingest.plan()) {
      // The same pairs with the same settings (an endpoint change): nothing the judge reads changed, and
      // the refresher recomputes the verdicts on its own schedule.
      return;
    }
    ingest.plan(plan);
    refresh();
  }

  /** Recomputes every verdict (so "verdict since" moves without anyone asking) and the gauges. */
  public synchronized void refresh() {
    ingest.prune();
    List<TargetComparison> latest = judge.compareAll();
    // The judge hands back the very same comparisons while nothing arrived: no need to touch the registry.
    if (!TargetComparison.sameInstances(latest, published)) {
      gauges.update(latest);
      gaugeUpdates++;
      published = latest;
    }
  }

  public synchronized void start() {
    if (refresher != null) {
      return;
    }
    refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "shadow-analysis");
      thread.setDaemon(true);
      return thread;
    });
    refresher.scheduleWithFixedDelay(() -> {
      try {
        refresh();
      } catch (RuntimeException e) {
        LOG.warn("could not refresh the shadow comparisons: {}", e.toString());
      }
    }, REFRESH.toMillis(), REFRESH.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
  }
}
