package io.shadowmirroring.xds.testing;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.metrics.v3.StreamMetricsMessage;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A simulated Envoy stats store and its MetricsService sink, producing {@code StreamMetricsMessage}s the way
 * Envoy's {@code MetricsFlusher} does (source/extensions/stat_sinks/metrics_service/grpc_metrics_service_impl.cc):
 * <ul>
 *   <li>one family per stat with one metric; every used counter on every flush, cumulative or as the delta since
 *       the last flush; counters first, then gauges, then histograms;</li>
 *   <li>with labels, the tag-extracted name and the tags as labels; without, the full name;</li>
 *   <li>histograms of the last flush interval: a SUMMARY family (quantiles 0 .. 1, NaN without samples) and/or a
 *       HISTOGRAM family (cumulative counts at Envoy's default bounds, no +Inf bucket);</li>
 *   <li>the node only on the first message of a stream.</li>
 * </ul>
 * Requests are charged as the router does: total, completed, the class and the code, and the time; a pending
 * overflow as {@code upstream_rq_pending_overflow} plus a 503 without a time (router.cc {@code onUpstreamReset}).
 */
public final class EnvoyStatsEmitter {
  /** {@code HistogramStatisticsImpl::supportedBuckets} (source/common/stats/histogram_impl.cc). */
  public static final double[] DEFAULT_BOUNDS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
      30000, 60000, 300000, 600000, 1800000, 3600000};
  public static final double[] QUANTILES = {0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1};

  private static final java.util.regex.Pattern CLASS_LEAF = java.util.regex.Pattern.compile("upstream_rq_\\dxx");
  private static final java.util.regex.Pattern CODE_LEAF = java.util.regex.Pattern.compile("upstream_rq_\\d{3}");

  public enum HistogramMode { SUMMARY_AND_HISTOGRAM, SUMMARY, HISTOGRAM }

  /** The sink's settings: {@code report_counters_as_deltas}, {@code emit_tags_as_labels}, {@code histogram_emit_mode}. */
  public record Mode(boolean deltas, boolean labels, HistogramMode histograms) {
    @Override
    public String toString() {
      return (deltas ? "deltas" : "cumulative") + ", " + (labels ? "labels" : "no labels") + ", " + histograms;
    }
  }

  /** A stat: its full name, its tag-extracted name and its tags. */
  private record StatName(String full, String extracted, Map<String, String> tags) {}

  private static final class CounterStat {
    final StatName name;
    long value;
    long latched;

    CounterStat(StatName name) {
      this.name = name;
    }
  }

  private static final class HistogramStat {
    final StatName name;
    final List<Double> interval = new ArrayList<>();

    HistogramStat(StatName name) {
      this.name = name;
    }
  }

  private final String nodeId;
  private final Mode mode;
  private final Map<String, CounterStat> counters = new TreeMap<>();
  private final Map<String, Double> gauges = new TreeMap<>();
  private final Map<String, HistogramStat> histograms = new TreeMap<>();
  private boolean streamStarted;

  public EnvoyStatsEmitter(String nodeId, Mode mode) {
    this.nodeId = nodeId;
    this.mode = mode;
    startup();
  }

  /** Counters every Envoy uses once at startup and rarely after: most are 0 as deltas. */
  private void startup() {
    for (String name : List.of("cluster_manager.cluster_added", "cluster_manager.cds.update_attempt",
        "cluster_manager.cds.update_success", "listener_manager.listener_added", "listener_manager.lds.update_success",
        "runtime.load_success", "server.debug_assertion_failures", "http.ingress_http.rds.update_success",
        "cluster.xds_cluster.upstream_cx_total", "cluster.xds_cluster.upstream_rq_total",
        "cluster_manager.cluster_updated", "server.envoy_bug_failures")) {
      counter(new StatName(name, name, Map.of()), 1);
    }
    gauges.put("server.live", 1.0);
    gauges.put("server.concurrency", 2.0);
  }

  /** Unrelated clusters with traffic of their own, as in any real proxy. */
  public EnvoyStatsEmitter withOtherClusters(int count) {
    for (int i = 0; i < count; i++) {
      String name = "other_" + i;
      clusterRequest(name, 200, 3);
      counter(clusterStat(name, "upstream_cx_total"), 1);
      gauges.put("cluster." + name + ".membership_healthy", 1.0);
    }
    return this;
  }

  /** A request the router sent to a cluster (for the shadow: a mirrored copy) and its response. */
  public void clusterRequest(String clusterStatName, int code, double ms) {
    counter(clusterStat(clusterStatName, "upstream_rq_total"), 1);
    charge(clusterStatName, code, true);
    histogram(clusterStat(clusterStatName, "upstream_rq_time")).interval.add(ms);
  }

  /** A request on the route with this stat prefix, and its response (the route's stats, not its cluster's). */
  public void routeRequest(String virtualHost, String routeStatPrefix, int code, double ms) {
    counter(routeStat(virtualHost, routeStatPrefix, "upstream_rq_total"), 1);
    chargeRoute(virtualHost, routeStatPrefix, code);
    histogram(routeStat(virtualHost, routeStatPrefix, "upstream_rq_time")).interval.add(ms);
  }

  /** A copy refused by the cluster's circuit breakers: counted as an overflow and charged as a 503. */
  public void pendingOverflow(String clusterStatName) {
    counter(clusterStat(clusterStatName, "upstream_rq_pending_overflow"), 1);
    charge(clusterStatName, 503, true);
  }

  /** A request that timed out upstream: charged as a 504 and counted as a timeout. */
  public void timeout(String clusterStatName) {
    counter(clusterStat(clusterStatName, "upstream_rq_total"), 1);
    counter(clusterStat(clusterStatName, "upstream_rq_timeout"), 1);
    charge(clusterStatName, 504, true);
  }

  /** A connection that could not be made: charged as a 503. */
  public void connectFailure(String clusterStatName) {
    counter(clusterStat(clusterStatName, "upstream_cx_connect_fail"), 1);
    charge(clusterStatName, 503, true);
  }

  private void charge(String cluster, int code, boolean completed) {
    if (completed) {
      counter(clusterStat(cluster, "upstream_rq_completed"), 1);
    }
    counter(clusterStat(cluster, "upstream_rq_" + code / 100 + "xx"), 1);
    counter(clusterStat(cluster, "upstream_rq_" + code), 1);
  }

  private void chargeRoute(String host, String route, int code) {
    counter(routeStat(host, route, "upstream_rq_completed"), 1);
    counter(routeStat(host, route, "upstream_rq_" + code / 100 + "xx"), 1);
    counter(routeStat(host, route, "upstream_rq_" + code), 1);
  }

  /** The proxy's connection dropped: its next flush opens a new stream and carries the node again. */
  public void reconnect() {
    streamStarted = false;
  }

  /** Envoy restarted: every stat is gone, and the next flush opens a new stream. */
  public void restart() {
    counters.clear();
    gauges.clear();
    histograms.clear();
    startup();
    reconnect();
  }

  /** One stats flush. */
  public StreamMetricsMessage flush() {
    long now = System.currentTimeMillis();
    StreamMetricsMessage.Builder message = StreamMetricsMessage.newBuilder();
    if (!streamStarted) {
      streamStarted = true;
      message.getIdentifierBuilder().setNode(Node.newBuilder().setId(nodeId).setCluster("envoy"));
    }
    for (CounterStat counter : counters.values()) {
      long value = mode.deltas() ? counter.value - counter.latched : counter.value;
      counter.latched = counter.value;
      message.addEnvoyMetrics(family(counter.name, MetricType.COUNTER, now,
          m -> m.setCounter(Counter.newBuilder().setValue(value))));
    }
    gauges.forEach((name, value) -> message.addEnvoyMetrics(family(new StatName(name, name, Map.of()),
        MetricType.GAUGE, now, m -> m.setGauge(Gauge.newBuilder().setValue(value)))));
    for (HistogramStat histogram : histograms.values()) {
      List<Double> samples = histogram.interval.stream().sorted().toList();
      double sum = samples.stream().mapToDouble(Double::doubleValue).sum();
      if (mode.histograms() != HistogramMode.HISTOGRAM) {
        Summary.Builder summary = Summary.newBuilder().setSampleCount(samples.size()).setSampleSum(sum);
        for (double q : QUANTILES) {
          summary.addQuantile(Quantile.newBuilder().setQuantile(q).setValue(quantileOf(samples, q)));
        }
        message.addEnvoyMetrics(family(histogram.name, MetricType.SUMMARY, now, m -> m.setSummary(summary)));
      }
      if (mode.histograms() != HistogramMode.SUMMARY) {
        Histogram.Builder buckets = Histogram.newBuilder().setSampleCount(samples.size()).setSampleSum(sum);
        for (double bound : DEFAULT_BOUNDS) {
          long below = samples.stream().filter(s -> s <= bound).count();
          buckets.addBucket(Bucket.newBuilder().setUpperBound(bound).setCumulativeCount(below));
        }
        message.addEnvoyMetrics(family(histogram.name, MetricType.HISTOGRAM, now, m -> m.setHistogram(buckets)));
      }
      histogram.interval.clear();
    }
    return message.build();
  }

  private MetricFamily family(StatName name, MetricType type, long now, Consumer<Metric.Builder> value) {
    Metric.Builder metric = Metric.newBuilder().setTimestampMs(now);
    if (mode.labels()) {
      name.tags().forEach((key, tag) -> metric.addLabel(LabelPair.newBuilder().setName(key).setValue(tag)));
    }
    value.accept(metric);
    return MetricFamily.newBuilder().setName(mode.labels() ? name.extracted() : name.full()).setType(type)
        .addMetric(metric).build();
  }

  /** Linear interpolation between order statistics; NaN without samples, as Envoy sends. */
  static double quantileOf(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    double position = q * (sorted.size() - 1);
    int below = (int) Math.floor(position);
    int above = Math.min(sorted.size() - 1, below + 1);
    return sorted.get(below) + (sorted.get(above) - sorted.get(below)) * (position - below);
  }

  private void counter(StatName name, long increment) {
    counters.computeIfAbsent(name.full(), n -> new CounterStat(name)).value += increment;
  }

  private HistogramStat histogram(StatName name) {
    return histograms.computeIfAbsent(name.full(), n -> new HistogramStat(name));
  }

  /** {@code cluster.<name>.<leaf>}, tags as the default extractors make them (well_known_names.cc). */
  private static StatName clusterStat(String cluster, String leaf) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("envoy.cluster_name", cluster);
    return new StatName("cluster." + cluster + "." + leaf, "cluster." + extractCode(leaf, tags), tags);
  }

  private static StatName routeStat(String host, String route, String leaf) {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("envoy.virtual_host", host);
    tags.put("envoy.route", route);
    return new StatName("vhost." + host + ".route." + route + "." + leaf, "vhost.route." + extractCode(leaf, tags),
        tags);
  }

  /** {@code upstream_rq_5xx} -> {@code upstream_rq_xx} (class 5); {@code upstream_rq_503} -> {@code upstream_rq}. */
  private static String extractCode(String leaf, Map<String, String> tags) {
    if (CLASS_LEAF.matcher(leaf).matches()) {
      tags.put("envoy.response_code_class", leaf.substring(12, 13));
      return "upstream_rq_xx";
    }
    if (CODE_LEAF.matcher(leaf).matches()) {
      tags.put("envoy.response_code", leaf.substring(12));
      return "upstream_rq";
    }
    return leaf;
  }
}
