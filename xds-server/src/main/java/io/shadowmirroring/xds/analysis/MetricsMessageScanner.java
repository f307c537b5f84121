package io.shadowmirroring.xds.analysis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Walks one {@code envoy.service.metrics.v3.StreamMetricsMessage} in wire format and reports the families that
 * belong to a mirror pair. Field numbers are those of metrics_service.proto ({@code identifier = 1},
 * {@code envoy_metrics = 2}) and of Prometheus' metrics.proto (MetricFamily, Metric, Counter, Summary, Histogram,
 * Bucket) as shipped in java-control-plane's api jar.
 *
 * <p>A family is skipped on its name alone: Envoy writes {@code name} (field 1) first, so an irrelevant family
 * costs a first-byte test, a scan for its last dot and at most one hash lookup, then a jump over its bytes.
 */
final class MetricsMessageScanner {
  static final int MAX_LABELS = 64;
  static final int MAX_LABEL_BYTES = 16 * 1024;
  /** Counts above 2^53 cannot be exact doubles and no proxy sends that many requests in a flush. */
  static final long MAX_COUNT = 1L << 53;

  private static final int TYPE_COUNTER = 0;
  private static final int TYPE_SUMMARY = 2;
  private static final int TYPE_HISTOGRAM = 4;
  private static final int PROBE_LIMIT = 256;

  private static final byte[] CLUSTER_NAME = bytes(StatPlan.CLUSTER_NAME_TAG);
  private static final byte[] VIRTUAL_HOST = bytes(StatPlan.VIRTUAL_HOST_TAG);
  private static final byte[] ROUTE = bytes(StatPlan.ROUTE_TAG);
  private static final byte[] RESPONSE_CODE_CLASS = bytes(StatPlan.RESPONSE_CODE_CLASS_TAG);

  private final StatPlan plan;
  private final ObservationSink sink;
  private final boolean probe;
  private int probed;
  private int[] metricRanges = new int[4];
  private long unknown;

  // Label value ranges of the metric being read, -1 when absent.
  private int clusterFrom;
  private int clusterTo;
  private int hostFrom;
  private int hostTo;
  private int routeFrom;
  private int routeTo;
  private int classFrom;
  private int classTo;

  private MetricsMessageScanner(StatPlan plan, ObservationSink sink, boolean probe) {
    this.plan = plan;
    this.sink = sink;
    this.probe = probe;
  }

  /**
   * Reports the families of one message that belong to a mirror pair.
   *
   * @param probe whether to report other counters' values, for telling cumulative counters from deltas
   */
  static void scan(byte[] message, StatPlan plan, boolean probe, ObservationSink sink) {
    MetricsMessageScanner scanner = new MetricsMessageScanner(plan, sink, probe);
    try {
      scanner.readFamilies(new WireReader(message, 0, message.length));
    } catch (WireReader.Malformed e) {
      sink.ignored(IgnoredInput.MALFORMED_MESSAGE, 1);
    } finally {
      if (scanner.unknown > 0) {
        sink.ignored(IgnoredInput.UNKNOWN_NAME, scanner.unknown);
      }
    }
  }

  /**
   * The node id of the message's identifier, or null without one. Envoy sends the identifier on a stream's
   * first message only ({@code GrpcMetricsStreamerImpl::send}).
   *
   * @throws WireReader.Malformed when the message is not valid wire format
   */
  static String nodeId(byte[] message) {
    WireReader reader = new WireReader(message, 0, message.length);
    while (!reader.atEnd()) {
      int tag = reader.readTag();
      if (tag != (1 << 3 | WireReader.LEN)) {
        reader.skip(WireReader.wireType(tag));
        continue;
      }
      WireReader identifier = reader.sub(reader.readLengthDelimitedEnd());
      while (!identifier.atEnd()) {
        int identifierTag = identifier.readTag();
        if (identifierTag != (1 << 3 | WireReader.LEN)) {
          identifier.skip(WireReader.wireType(identifierTag));
          continue;
        }
        WireReader node = identifier.sub(identifier.readLengthDelimitedEnd());
        while (!node.atEnd()) {
          int nodeTag = node.readTag();
          if (nodeTag == (1 << 3 | WireReader.LEN)) {
            int end = node.readLengthDelimitedEnd();
            return new String(node.buffer(), node.position(), end - node.position(), StandardCharsets.UTF_8);
          }
          node.skip(WireReader.wireType(nodeTag));
        }
      }
    }
    return null;
  }

  private void readFamilies(WireReader message) {
    WireReader family = new WireReader(message.buffer(), 0, 0);
    while (!message.atEnd()) {
      int tag = message.readTag();
      if (tag == (2 << 3 | WireReader.LEN)) {
        int end = message.readLengthDelimitedEnd();
        readFamily(family.reset(message.position(), end));
        message.skipTo(end);
      } else {
        message.skip(WireReader.wireType(tag));
      }
    }
  }

  private void readFamily(WireReader family) {
    byte[] bytes = family.buffer();
    int nameFrom = -1;
    int nameTo = -1;
    int type = TYPE_COUNTER;
    int metrics = 0;
    boolean first = true;
    while (!family.atEnd()) {
      int tag = family.readTag();
      switch (tag) {
        case 1 << 3 | WireReader.LEN -> {
          nameTo = family.readLengthDelimitedEnd();
          nameFrom = family.position();
          family.skipTo(nameTo);
          if (first && !probe && plan.match(bytes, nameFrom, nameTo) == null) {
            unknown++;
            return;
          }
        }
        case 3 << 3 | WireReader.VARINT -> type = (int) family.readVarint();
        case 4 << 3 | WireReader.LEN -> {
          int end = family.readLengthDelimitedEnd();
          if (metrics * 2 + 2 > metricRanges.length) {
            metricRanges = Arrays.copyOf(metricRanges, metricRanges.length * 2);
          }
          metricRanges[metrics * 2] = family.position();
          metricRanges[metrics * 2 + 1] = end;
          metrics++;
          family.skipTo(end);
        }
        default -> family.skip(WireReader.wireType(tag));
      }
      first = false;
    }
    if (nameFrom < 0 || metrics == 0) {
      unknown++;
      return;
    }
    StatPlan.NameMatch match = plan.match(bytes, nameFrom, nameTo);
    StatPlan.FullNameMatch full = match == null ? null : match.full();
    StatPlan.LabeledName labeled = match == null ? null : match.labeled();
    if (match == null) {
      unknown++;
      if (probe && type == TYPE_COUNTER && probed < PROBE_LIMIT) {
        probed++;
        sink.probedCounter(counterValue(new WireReader(bytes, metricRanges[0], metricRanges[1])));
      }
      return;
    }
    // Envoy sends one metric per family; read them all in case another sender groups them.
    for (int i = 0; i < metrics; i++) {
      readMetric(new WireReader(bytes, metricRanges[i * 2], metricRanges[i * 2 + 1]), type, full, labeled);
    }
  }

  private void readMetric(WireReader metric, int type, StatPlan.FullNameMatch full, StatPlan.LabeledName labeled) {
    clusterFrom = hostFrom = routeFrom = classFrom = -1;
    int labels = 0;
    int labelBytes = 0;
    int counterFrom = -1;
    int counterTo = -1;
    int summaryFrom = -1;
    int summaryTo = -1;
    int histogramFrom = -1;
    int histogramTo = -1;
    while (!metric.atEnd()) {
      int tag = metric.readTag();
      switch (tag) {
        case 1 << 3 | WireReader.LEN -> {
          int end = metric.readLengthDelimitedEnd();
          labels++;
          labelBytes += end - metric.position();
          if (labels > MAX_LABELS || labelBytes > MAX_LABEL_BYTES) {
            sink.ignored(IgnoredInput.HUGE_LABEL_SET, 1);
            return;
          }
          readLabel(metric.sub(end));
        }
        case 3 << 3 | WireReader.LEN -> {
          counterTo = metric.readLengthDelimitedEnd();
          counterFrom = metric.position();
          metric.skipTo(counterTo);
        }
        case 4 << 3 | WireReader.LEN -> {
          summaryTo = metric.readLengthDelimitedEnd();
          summaryFrom = metric.position();
          metric.skipTo(summaryTo);
        }
        case 7 << 3 | WireReader.LEN -> {
          histogramTo = metric.readLengthDelimitedEnd();
          histogramFrom = metric.position();
          metric.skipTo(histogramTo);
        }
        default -> metric.skip(WireReader.wireType(tag));
      }
    }
    byte[] bytes = metric.buffer();
    int scope;
    Stat stat;
    if (full != null) {
      scope = full.scope();
      stat = full.stat();
    } else {
      if (labeled.route()) {
        scope = routeFrom < 0 || hostFrom < 0 ? -1 : plan.routeLabelScope(bytes, routeFrom, routeTo, hostFrom, hostTo);
      } else {
        scope = clusterFrom < 0 ? -1 : plan.clusterLabelScope(bytes, clusterFrom, clusterTo);
      }
      stat = labeled.byClassLabel()
          ? (classFrom >= 0 && classTo == classFrom + 1 ? Stat.responseClass(bytes[classFrom] - '0') : null)
          : labeled.stat();
      if (scope < 0 || stat == null) {
        unknown++;
        return;
      }
    }
    if (stat == Stat.RESPONSE_CODE) {
      return;
    }
    if (stat.isCounter()) {
      if (type != TYPE_COUNTER || counterFrom < 0) {
        sink.ignored(IgnoredInput.WRONG_TYPE, 1);
        return;
      }
      double value = readCounter(new WireReader(bytes, counterFrom, counterTo));
      if (Double.isNaN(value) || value < 0 || value > MAX_COUNT) {
        sink.ignored(IgnoredInput.INVALID_VALUE, 1);
        return;
      }
      sink.counter(scope, stat, value);
    } else if (type == TYPE_HISTOGRAM && histogramFrom >= 0) {
      readHistogram(scope, new WireReader(bytes, histogramFrom, histogramTo));
    } else if (type == TYPE_SUMMARY && summaryFrom >= 0) {
      readSummary(scope, new WireReader(bytes, summaryFrom, summaryTo));
    } else {
      sink.ignored(IgnoredInput.WRONG_TYPE, 1);
    }
  }

  private void readLabel(WireReader label) {
    byte[] bytes = label.buffer();
    int nameFrom = -1;
    int nameTo = -1;
    int valueFrom = -1;
    int valueTo = -1;
    while (!label.atEnd()) {
      int tag = label.readTag();
      if (tag == (1 << 3 | WireReader.LEN) || tag == (2 << 3 | WireReader.LEN)) {
        int end = label.readLengthDelimitedEnd();
        if (WireReader.field(tag) == 1) {
          nameFrom = label.position();
          nameTo = end;
        } else {
          valueFrom = label.position();
          valueTo = end;
        }
        label.skipTo(end);
      } else {
        label.skip(WireReader.wireType(tag));
      }
    }
    if (nameFrom < 0 || valueFrom < 0) {
      return;
    }
    if (Arrays.equals(CLUSTER_NAME, 0, CLUSTER_NAME.length, bytes, nameFrom, nameTo)) {
      clusterFrom = valueFrom;
      clusterTo = valueTo;
    } else if (Arrays.equals(VIRTUAL_HOST, 0, VIRTUAL_HOST.length, bytes, nameFrom, nameTo)) {
      hostFrom = valueFrom;
      hostTo = valueTo;
    } else if (Arrays.equals(ROUTE, 0, ROUTE.length, bytes, nameFrom, nameTo)) {
      routeFrom = valueFrom;
      routeTo = valueTo;
    } else if (Arrays.equals(RESPONSE_CODE_CLASS, 0, RESPONSE_CODE_CLASS.length, bytes, nameFrom, nameTo)) {
      classFrom = valueFrom;
      classTo = valueTo;
    }
  }

  /** The counter value of a metric, for probing; NaN when it has none. */
  private static double counterValue(WireReader metric) {
    while (!metric.atEnd()) {
      int tag = metric.readTag();
      if (tag == (3 << 3 | WireReader.LEN)) {
        return readCounter(metric.sub(metric.readLengthDelimitedEnd()));
      }
      metric.skip(WireReader.wireType(tag));
    }
    return Double.NaN;
  }

  private static double readCounter(WireReader counter) {
    double value = 0;
    while (!counter.atEnd()) {
      int tag = counter.readTag();
      if (tag == (1 << 3 | WireReader.FIXED64)) {
        value = counter.readDouble();
      } else {
        counter.skip(WireReader.wireType(tag));
      }
    }
    return value;
  }

  private void readHistogram(int scope, WireReader histogram) {
    long samples = 0;
    double samplesFloat = 0;
    double[] bounds = new double[20];
    long[] cumulative = new long[20];
    int buckets = 0;
    boolean invalid = false;
    while (!histogram.atEnd()) {
      int tag = histogram.readTag();
      switch (tag) {
        case 1 << 3 | WireReader.VARINT -> samples = histogram.readVarint();
        case 4 << 3 | WireReader.FIXED64 -> samplesFloat = histogram.readDouble();
        case 3 << 3 | WireReader.LEN -> {
          WireReader bucket = histogram.sub(histogram.readLengthDelimitedEnd());
          long count = 0;
          double countFloat = 0;
          double bound = Double.NaN;
          while (!bucket.atEnd()) {
            int bucketTag = bucket.readTag();
            switch (bucketTag) {
              case 1 << 3 | WireReader.VARINT -> count = bucket.readVarint();
              case 4 << 3 | WireReader.FIXED64 -> countFloat = bucket.readDouble();
              case 2 << 3 | WireReader.FIXED64 -> bound = bucket.readDouble();
              default -> bucket.skip(WireReader.wireType(bucketTag));
            }
          }
          if (countFloat > 0) {
            count = countFloat > MAX_COUNT ? -1 : (long) countFloat;
          }
          invalid |= count < 0 || count > MAX_COUNT || Double.isNaN(bound);
          if (buckets == bounds.length) {
            bounds = Arrays.copyOf(bounds, buckets * 2);
            cumulative = Arrays.copyOf(cumulative, buckets * 2);
          }
          bounds[buckets] = bound;
          cumulative[buckets] = count;
          buckets++;
        }
        default -> histogram.skip(WireReader.wireType(tag));
      }
    }
    if (samplesFloat > 0) {
      samples = samplesFloat > MAX_COUNT ? -1 : (long) samplesFloat;
    }
    if (invalid || samples < 0 || samples > MAX_COUNT) {
      sink.ignored(IgnoredInput.INVALID_VALUE, 1);
      return;
    }
    // The +Inf bucket is optional in the format (Envoy leaves it out); its count is the sample count.
    if (buckets > 0 && bounds[buckets - 1] == Double.POSITIVE_INFINITY) {
      samples = Math.max(samples, cumulative[buckets - 1]);
      buckets--;
    }
    for (int i = 0; i < buckets; i++) {
      boolean boundsIncrease = i == 0 || bounds[i] > bounds[i - 1];
      boolean countsIncrease = i == 0 || cumulative[i] >= cumulative[i - 1];
      if (!boundsIncrease || !countsIncrease || Double.isInfinite(bounds[i]) || cumulative[i] > samples) {
        sink.ignored(IgnoredInput.NON_MONOTONIC_BUCKETS, 1);
        return;
      }
    }
    sink.histogram(scope, Arrays.copyOf(bounds, buckets), Arrays.copyOf(cumulative, buckets), samples);
  }

  private void readSummary(int scope, WireReader summary) {
    long samples = 0;
    double[] quantiles = new double[10];
    double[] values = new double[10];
    int count = 0;
    while (!summary.atEnd()) {
      int tag = summary.readTag();
      if (tag == (1 << 3 | WireReader.VARINT)) {
        samples = summary.readVarint();
      } else if (tag == (3 << 3 | WireReader.LEN)) {
        WireReader quantile = summary.sub(summary.readLengthDelimitedEnd());
        double q = Double.NaN;
        double v = Double.NaN;
        while (!quantile.atEnd()) {
          int quantileTag = quantile.readTag();
          if (quantileTag == (1 << 3 | WireReader.FIXED64)) {
            q = quantile.readDouble();
          } else if (quantileTag == (2 << 3 | WireReader.FIXED64)) {
            v = quantile.readDouble();
          } else {
            quantile.skip(WireReader.wireType(quantileTag));
          }
        }
        if (count == quantiles.length) {
          quantiles = Arrays.copyOf(quantiles, count * 2);
          values = Arrays.copyOf(values, count * 2);
        }
        quantiles[count] = q;
        values[count] = v;
        count++;
      } else {
        summary.skip(WireReader.wireType(tag));
      }
    }
    if (samples == 0) {
      // Envoy sends NaN quantiles for an interval without samples: nothing to use, nothing wrong.
      return;
    }
    boolean valid = samples > 0 && samples <= MAX_COUNT && count > 0;
    for (int i = 0; valid && i < count; i++) {
      valid = quantiles[i] >= 0 && quantiles[i] <= 1 && values[i] >= 0 && Double.isFinite(values[i])
          && (i == 0 || (quantiles[i] > quantiles[i - 1] && values[i] >= values[i - 1]));
    }
    if (!valid) {
      sink.ignored(IgnoredInput.INVALID_VALUE, 1);
      return;
    }
    sink.summary(scope, samples, Arrays.copyOf(quantiles, count), Arrays.copyOf(values, count));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
