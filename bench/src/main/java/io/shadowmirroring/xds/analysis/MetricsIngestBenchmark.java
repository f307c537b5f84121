package io.shadowmirroring.xds.analysis;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.prometheus.client.Metrics.Bucket;
import io.prometheus.client.Metrics.Counter;
import io.prometheus.client.Metrics.Gauge;
import io.prometheus.client.Metrics.Histogram;
import io.prometheus.client.Metrics.LabelPair;
import io.prometheus.client.Metrics.Metric;
import io.prometheus.client.Metrics.MetricFamily;
import io.prometheus.client.Metrics.MetricType;
import io.prometheus.client.Metrics.Quantile;
import io.prometheus.client.Metrics.Summary;
import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MethodSet;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The server's cost of one proxy's stats flush: a StreamMetricsMessage of 20,000 families, as Envoy sends it,
 * taken by {@link MetricsIngest} (scan, match, counter conversion, windows). 250 clusters with about 80 stats each,
 * 10 of them mirrored Services with their mirror clusters and mirrored routes, the rest irrelevant.
 *
 * <p>The figure the README quotes: 100 proxies flushing every 5 s is 20 messages a second, so the share of one
 * core is {@code 20 * score(ms) / 1000}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MetricsIngestBenchmark {
  static final int PROXIES = 100;
  static final int CLUSTERS = 250;
  static final int MIRRORED = 10;

  @Param({"false", "true"})
  public boolean labels;

  private MetricsIngest ingest;
  private final List<MetricsStream> streams = new ArrayList<>();
  private final List<byte[]> flushes = new ArrayList<>();
  private int next;
  int families;

  @Setup(Level.Trial)
  public void setUp() {
    ingest = new MetricsIngest(Clock.systemUTC(), new SimpleMeterRegistry());
    ingest.plan(StatPlan.from(build()));
    for (int p = 0; p < PROXIES; p++) {
      MetricsStream stream = ingest.open();
      ingest.accept(stream, firstFlush(p));
      // Settle each proxy's counter mode with a second flush, as a running proxy would have.
      ingest.accept(stream, flush(p, 1, false).toByteArray());
      streams.add(stream);
      flushes.add(laterFlush(p));
    }
  }

  /** The first flush of a proxy's stream, with its node. */
  byte[] firstFlush(int proxy) {
    StreamMetricsMessage first = flush(proxy, 0, true);
    families = first.getEnvoyMetricsCount();
    return first.toByteArray();
  }

  /** A later flush, without the node. */
  byte[] laterFlush(int proxy) {
    return flush(proxy, 2, false).toByteArray();
  }

  /** Ten Services, each mirrored to its v2. */
  ModelBuild build() {
    List<MirrorStatus> statuses = new ArrayList<>();
    for (int i = 0; i < MIRRORED; i++) {
      ServiceRef service = new ServiceRef("team-" + i, "svc-" + i);
      ClusterRef target = new ClusterRef(new ServiceRef("team-" + i, "svc-" + i + "-v2"), 8080);
      MirrorSpec spec = new MirrorSpec(List.of(), 1_000_000, MethodSet.DEFAULT, Optional.empty(), false,
          MirrorLimits.DEFAULT, AnalysisSettings.DEFAULT, false, false);
      statuses.add(new MirrorStatus(service, MirrorStatus.State.MIRRORING, Optional.of(spec), "",
          Map.of(8080, List.of(new MirrorCopy(target, 1_000_000))), Map.of(), Map.of()));
    }
    return new ModelBuild(null, statuses, List.of());
  }

  /** One flush of one proxy, the {@code round}-th. */
  private StreamMetricsMessage flush(int proxy, int round, boolean withNode) {
    StreamMetricsMessage.Builder message = StreamMetricsMessage.newBuilder();
    if (withNode) {
      message.getIdentifierBuilder().setNode(Node.newBuilder().setId("envoy-" + proxy).setCluster("front"));
    }
    long now = System.currentTimeMillis();
    List<MetricFamily> counters = new ArrayList<>();
    List<MetricFamily> gauges = new ArrayList<>();
    List<MetricFamily> histograms = new ArrayList<>();
    for (int c = 0; c < CLUSTERS; c++) {
      boolean mirrored = c < MIRRORED;
      ClusterRef primary = new ClusterRef(new ServiceRef("team-" + (c % 40), "svc-" + c), 8080);
      String name = mirrored
          ? ResourceNames.mirrorClusterStatName(new ClusterRef(new ServiceRef("team-" + c, "svc-" + c), 8080),
              new ClusterRef(new ServiceRef("team-" + c, "svc-" + c + "-v2"), 8080))
          : ResourceNames.cluster(primary).replace(':', '_');
      long traffic = 1000L * round + c;
      for (int s = 0; s < 60; s++) {
        String leaf = s < COUNTER_LEAVES.length ? COUNTER_LEAVES[s] : "upstream_cx_stat_" + s;
        counters.add(counter("cluster." + name + "." + leaf, "cluster." + leaf,
            Map.of("envoy.cluster_name", name), traffic + s));
      }
      for (int g = 0; g < 15; g++) {
        double value = g;
        gauges.add(family("cluster." + name + ".gauge_" + g, "cluster.gauge_" + g,
            Map.of("envoy.cluster_name", name), MetricType.GAUGE,
            m -> m.setGauge(Gauge.newBuilder().setValue(value))));
      }
      histograms.addAll(latency("cluster." + name + ".upstream_rq_time", "cluster.upstream_rq_time",
          Map.of("envoy.cluster_name", name)));
      histograms.addAll(latency("cluster." + name + ".upstream_cx_length_ms", "cluster.upstream_cx_length_ms",
          Map.of("envoy.cluster_name", name)));
      if (mirrored) {
        ClusterRef mirroredPrimary = new ClusterRef(new ServiceRef("team-" + c, "svc-" + c), 8080);
        String host = ResourceNames.virtualHost(mirroredPrimary);
        String route = ResourceNames.mirroredRouteStatPrefix(mirroredPrimary);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("envoy.virtual_host", host);
        tags.put("envoy.route", route);
        for (String leaf : new String[] {"upstream_rq_total", "upstream_rq_completed", "upstream_rq_timeout"}) {
          counters.add(counter("vhost." + host + ".route." + route + "." + leaf, "vhost.route." + leaf, tags,
              traffic));
        }
        histograms.addAll(latency("vhost." + host + ".route." + route + ".upstream_rq_time",
            "vhost.route.upstream_rq_time", tags));
      }
    }
    message.addAllEnvoyMetrics(counters).addAllEnvoyMetrics(gauges).addAllEnvoyMetrics(histograms);
    return message.build();
  }

  private static final String[] COUNTER_LEAVES = {"upstream_rq_total", "upstream_rq_completed", "upstream_rq_2xx",
      "upstream_rq_4xx", "upstream_rq_5xx", "upstream_rq_200", "upstream_rq_503", "upstream_rq_timeout",
      "upstream_cx_connect_fail", "upstream_rq_pending_overflow", "upstream_cx_total", "upstream_cx_destroy",
      "upstream_cx_rx_bytes_total", "upstream_cx_tx_bytes_total", "upstream_rq_retry", "lb_healthy_panic",
      "membership_change", "update_attempt", "update_success", "upstream_cx_http2_total"};

  private MetricFamily counter(String full, String extracted, Map<String, String> tags, double value) {
    return family(full, extracted, tags, MetricType.COUNTER, m -> m.setCounter(Counter.newBuilder().setValue(value)));
  }

  private List<MetricFamily> latency(String full, String extracted, Map<String, String> tags) {
    Summary.Builder summary = Summary.newBuilder().setSampleCount(100).setSampleSum(1234);
    for (int i = 0; i < EnvoyStatsEmitter.QUANTILES.length; i++) {
      summary.addQuantile(Quantile.newBuilder().setQuantile(EnvoyStatsEmitter.QUANTILES[i]).setValue(1 + i * 3));
    }
    Histogram.Builder histogram = Histogram.newBuilder().setSampleCount(100).setSampleSum(1234);
    for (int i = 0; i < EnvoyStatsEmitter.DEFAULT_BOUNDS.length; i++) {
      histogram.addBucket(Bucket.newBuilder().setUpperBound(EnvoyStatsEmitter.DEFAULT_BOUNDS[i])
          .setCumulativeCount(Math.min(100, i * 10)));
    }
    return List.of(family(full, extracted, tags, MetricType.SUMMARY, m -> m.setSummary(summary)),
        family(full, extracted, tags, MetricType.HISTOGRAM, m -> m.setHistogram(histogram)));
  }

  private MetricFamily family(String full, String extracted, Map<String, String> tags, MetricType type,
      java.util.function.Consumer<Metric.Builder> value) {
    Metric.Builder metric = Metric.newBuilder().setTimestampMs(1_700_000_000_000L);
    if (labels) {
      tags.forEach((k, v) -> metric.addLabel(LabelPair.newBuilder().setName(k).setValue(v)));
    }
    value.accept(metric);
    return MetricFamily.newBuilder().setName(labels ? extracted : full).setType(type).addMetric(metric).build();
  }

  /** One flush of the next proxy, round robin over the 100. */
  @Benchmark
  public void ingestOneFlush() {
    int proxy = next;
    next = (next + 1) % PROXIES;
    ingest.accept(streams.get(proxy), flushes.get(proxy));
  }
}
