package io.shadowmirroring.xds.analysis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns StreamMetrics messages into windowed stats per scope: finds the relevant families
 * ({@link MetricsMessageScanner}), turns counters into increments per proxy ({@link ProxyState}), and adds them
 * to the scope's {@link ScopeWindow} at the time they arrived. Safe for concurrent streams.
 */
final class MetricsIngest {
  /** A proxy silent this long starts over from a baseline: its last cumulative values are too old to diff. */
  static final Duration STALE = Duration.ofSeconds(60);

  private final Clock clock;
  private final Map<IgnoredInput, Counter> ignored = new EnumMap<>(IgnoredInput.class);
  private final Counter messages;
  private final Counter resets;
  private final AtomicInteger openStreams = new AtomicInteger();
  private final Map<String, ProxyState> proxies = new ConcurrentHashMap<>();
  private final Map<StatScope, ScopeWindow> windows = new ConcurrentHashMap<>();
  private volatile StatPlan plan = StatPlan.EMPTY;

  MetricsIngest(Clock clock, MeterRegistry meters) {
    this.clock = clock;
    for (IgnoredInput reason : IgnoredInput.values()) {
      ignored.put(reason, meters.counter("shadow_mirroring_metrics_ignored_total", "reason", reason.label()));
    }
    messages = meters.counter("shadow_mirroring_metrics_messages_total");
    resets = meters.counter("shadow_mirroring_metrics_counter_resets_total");
    meters.gauge("shadow_mirroring_metrics_streams", openStreams);
    meters.gauge("shadow_mirroring_metrics_proxies", proxies, Map::size);
  }

  void plan(StatPlan newPlan) {
    this.plan = newPlan;
  }

  StatPlan plan() {
    return plan;
  }

  MetricsStream open() {
    openStreams.incrementAndGet();
    return new MetricsStream();
  }

  void close(MetricsStream stream) {
    if (!stream.closed) {
      stream.closed = true;
      openStreams.decrementAndGet();
    }
  }

  void ignore(IgnoredInput reason, long count) {
    ignored.get(reason).increment(count);
  }

  /** One message of a stream, as received; counted in {@code shadow_mirroring_metrics_messages_total} once used. */
  void accept(MetricsStream stream, byte[] message) {
    try {
      use(stream, message);
    } finally {
      messages.increment();
    }
  }

  private void use(MetricsStream stream, byte[] message) {
    Instant now = clock.instant();
    if (stream.first) {
      stream.first = false;
      if (!identify(stream, message, now)) {
        return;
      }
    }
    if (stream.noNode) {
      ignore(IgnoredInput.NO_NODE, 1);
      return;
    }
    ProxyState proxy = stream.proxy;
    StatPlan current = plan;
    boolean probe;
    synchronized (proxy) {
      probe = proxy.mode == CounterMode.UNKNOWN;
    }
    Collector found = new Collector(current);
    MetricsMessageScanner.scan(message, current, probe, found);
    found.ignoredCounts.forEach(this::ignore);
    synchronized (proxy) {
      if (proxy.owner != stream) {
        if (proxy.owner instanceof MetricsStream owner && !owner.closed) {
          ignore(IgnoredInput.SUPERSEDED_STREAM, 1);
          return;
        }
        proxy.owner = stream;
      }
      record(proxy, found, now);
      proxy.lastSeen = now;
    }
  }

  /** Reads the node of a stream's first message; false when the message was unreadable. */
  private boolean identify(MetricsStream stream, byte[] message, Instant now) {
    String nodeId;
    try {
      nodeId = MetricsMessageScanner.nodeId(message);
    } catch (WireReader.Malformed e) {
      ignore(IgnoredInput.MALFORMED_MESSAGE, 1);
      stream.noNode = true;
      return false;
    }
    if (nodeId == null || nodeId.isEmpty()) {
      stream.noNode = true;
      return true;
    }
    ProxyState proxy = proxies.computeIfAbsent(nodeId, id -> new ProxyState(id, now));
    synchronized (proxy) {
      // A new stream of a node replaces its older one (Envoy reconnecting before the old one timed out).
      proxy.owner = stream;
      if (Duration.between(proxy.lastSeen, now).compareTo(STALE) > 0) {
        proxy.last.clear();
      }
    }
    stream.proxy = proxy;
    return true;
  }

  private void record(ProxyState proxy, Collector found, Instant now) {
    if (proxy.mode == CounterMode.UNKNOWN) {
      proxy.mode = decideMode(proxy, found);
      proxy.pending.add(new ProxyState.PendingMessage(now, found.counters, found.planScopes));
      if (proxy.mode == CounterMode.UNKNOWN) {
        proxy.messagesWhileUnknown++;
      } else {
        for (ProxyState.PendingMessage message : proxy.pending) {
          addCounters(proxy, message.at(), message.counters(), message.planScopes());
        }
        proxy.pending.clear();
      }
    } else {
      addCounters(proxy, now, found.counters, found.planScopes);
    }
    for (Collector.HistogramValue histogram : found.histograms) {
      window(histogram.scope()).addHistogram(now, histogram.bounds(), histogram.cumulative(), histogram.samples());
    }
    for (Collector.SummaryValue summary : found.summaries) {
      window(summary.scope()).addSummary(now, summary.summary());
    }
    for (StatScope scope : found.scopes) {
      window(scope).seen(now, proxy.nodeId);
    }
  }

  private static CounterMode decideMode(ProxyState proxy, Collector found) {
    if (found.zeros >= CounterMode.ZEROS_FOR_DELTA) {
      return CounterMode.DELTA;
    }
    if (proxy.messagesWhileUnknown >= 1 && found.probed >= CounterMode.PROBES_FOR_CUMULATIVE) {
      return CounterMode.CUMULATIVE;
    }
    if (proxy.messagesWhileUnknown + 1 >= CounterMode.MESSAGES_BEFORE_DEFAULT) {
      return CounterMode.CUMULATIVE;
    }
    return CounterMode.UNKNOWN;
  }

  private void addCounters(ProxyState proxy, Instant at, List<ProxyState.CounterValue> counters,
      List<StatScope> planScopes) {
    for (ProxyState.CounterValue counter : counters) {
      long increment;
      if (proxy.mode == CounterMode.DELTA) {
        increment = Math.round(counter.value());
      } else {
        increment = proxy.cumulativeIncrement(counter.scope(), counter.stat(), counter.value());
        if (increment < 0) {
          resets.increment();
          increment = -1 - increment;
        }
      }
      if (increment > 0) {
        window(counter.scope()).addCounter(at, counter.stat(), increment);
      }
    }
    if (proxy.mode == CounterMode.CUMULATIVE) {
      proxy.endOfMessage(planScopes);
    }
  }

  private ScopeWindow window(StatScope scope) {
    return windows.computeIfAbsent(scope, s -> new ScopeWindow());
  }

  /** A scope's totals over {@code window}; all zero when nothing arrived. */
  WindowTotals totals(StatScope scope, Duration window) {
    ScopeWindow stored = windows.get(scope);
    return stored == null ? new ScopeWindow().totals(clock.instant(), window) : stored.totals(clock.instant(), window);
  }

  /** True when some stats of the scope are kept (prune drops a scope's window once it is empty). */
  boolean hasStats(StatScope scope) {
    return windows.containsKey(scope);
  }

  /** Forgets slots past the longest window, scopes no longer mirrored, and proxies silent for that long. */
  void prune() {
    Instant now = clock.instant();
    StatPlan current = plan;
    Duration retention = current.retention();
    Set<StatScope> live = new HashSet<>(current.scopes());
    windows.entrySet().removeIf(e -> !live.contains(e.getKey()) || e.getValue().prune(now, retention));
    proxies.values().removeIf(proxy -> {
      synchronized (proxy) {
        boolean streamOpen = proxy.owner instanceof MetricsStream owner && !owner.closed;
        return !streamOpen && Duration.between(proxy.lastSeen, now).compareTo(retention) > 0;
      }
    });
  }

  /** What one message holds for the current plan. */
  private static final class Collector implements ObservationSink {
    record HistogramValue(StatScope scope, double[] bounds, long[] cumulative, long samples) {}

    record SummaryValue(StatScope scope, SummaryMixture.Summary summary) {}

    private final StatPlan plan;
    final List<StatScope> planScopes;
    final List<ProxyState.CounterValue> counters = new ArrayList<>();
    final List<HistogramValue> histograms = new ArrayList<>(2);
    final List<SummaryValue> summaries = new ArrayList<>(2);
    final Set<StatScope> scopes = new HashSet<>();
    final Map<IgnoredInput, Long> ignoredCounts = new EnumMap<>(IgnoredInput.class);
    int probed;
    int zeros;

    Collector(StatPlan plan) {
      this.plan = plan;
      this.planScopes = plan.scopes();
    }

    @Override
    public void counter(int scope, Stat stat, double value) {
      StatScope statScope = plan.scope(scope);
      counters.add(new ProxyState.CounterValue(statScope, stat, value));
      scopes.add(statScope);
    }

    @Override
    public void histogram(int scope, double[] bounds, long[] cumulative, long samples) {
      StatScope statScope = plan.scope(scope);
      histograms.add(new HistogramValue(statScope, bounds, cumulative, samples));
      scopes.add(statScope);
    }

    @Override
    public void summary(int scope, long samples, double[] quantiles, double[] values) {
      StatScope statScope = plan.scope(scope);
      summaries.add(new SummaryValue(statScope, new SummaryMixture.Summary(samples, quantiles, values)));
      scopes.add(statScope);
    }

    @Override
    public void probedCounter(double value) {
      probed++;
      if (value == 0) {
        zeros++;
      }
    }

    @Override
    public void ignored(IgnoredInput reason, long count) {
      ignoredCounts.merge(reason, count, Long::sum);
    }
  }
}
