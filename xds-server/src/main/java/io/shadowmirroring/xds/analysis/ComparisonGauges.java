package io.shadowmirroring.xds.analysis;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * The latest comparisons as Prometheus gauges, labelled {@code service} (the primary's cluster,
 * {@code ns/svc:port}), {@code target} (the shadow's cluster) and {@code role} ({@code production} or
 * {@code shadow}). Gauges of a pair that is no longer mirrored are removed.
 */
final class ComparisonGauges {
  private static final class Holder {
    volatile TargetComparison latest;
    final List<Meter> meters = new ArrayList<>();
  }

  private record Key(String service, String target) {}

  private final MeterRegistry registry;
  private final Map<Key, Holder> holders = new HashMap<>();

  ComparisonGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  synchronized void update(List<TargetComparison> comparisons) {
    Map<Key, Holder> seen = new HashMap<>();
    for (TargetComparison comparison : comparisons) {
      Key key = new Key(ResourceNames.cluster(comparison.primary()), ResourceNames.cluster(comparison.target()));
      Holder holder = holders.computeIfAbsent(key, this::register);
      holder.latest = comparison;
      seen.put(key, holder);
    }
    holders.forEach((key, holder) -> {
      if (!seen.containsKey(key)) {
        holder.meters.forEach(registry::remove);
      }
    });
    holders.keySet().retainAll(seen.keySet());
  }

  private Holder register(Key key) {
    Holder holder = new Holder();
    Tags pair = Tags.of("service", key.service(), "target", key.target());
    for (StatScope.Role role : StatScope.Role.values()) {
      Tags tags = pair.and("role", role.label());
      ToDoubleFunction<ToDoubleFunction<SideStats>> side = f -> {
        TargetComparison latest = holder.latest;
        return latest == null ? Double.NaN
            : f.applyAsDouble(role == StatScope.Role.PRODUCTION ? latest.production() : latest.shadow());
      };
      gauge(holder, "shadow_mirroring_comparison_requests", tags, side, SideStats::requests);
      gauge(holder, "shadow_mirroring_comparison_requests_per_second", tags, side, SideStats::ratePerSecond);
      gauge(holder, "shadow_mirroring_comparison_responses", tags.and("class", "2xx"), side, SideStats::responses2xx);
      gauge(holder, "shadow_mirroring_comparison_responses", tags.and("class", "3xx"), side, SideStats::responses3xx);
      gauge(holder, "shadow_mirroring_comparison_responses", tags.and("class", "4xx"), side, SideStats::responses4xx);
      gauge(holder, "shadow_mirroring_comparison_responses", tags.and("class", "5xx"), side, SideStats::responses5xx);
      gauge(holder, "shadow_mirroring_comparison_error_rate", tags, side,
          s -> s.requests() == 0 ? 0 : (double) s.responses5xx() / s.requests());
      gauge(holder, "shadow_mirroring_comparison_timeouts", tags, side, SideStats::timeouts);
      gauge(holder, "shadow_mirroring_comparison_connect_failures", tags, side, SideStats::connectFailures);
      gauge(holder, "shadow_mirroring_comparison_overflows", tags, side, SideStats::overflows);
      gauge(holder, "shadow_mirroring_comparison_proxies", tags, side, SideStats::proxies);
      gauge(holder, "shadow_mirroring_comparison_latency_ms", tags.and("quantile", "0.5"), side, s -> ms(s.p50Ms()));
      gauge(holder, "shadow_mirroring_comparison_latency_ms", tags.and("quantile", "0.9"), side, s -> ms(s.p90Ms()));
      gauge(holder, "shadow_mirroring_comparison_latency_ms", tags.and("quantile", "0.99"), side, s -> ms(s.p99Ms()));
    }
    for (Verdict verdict : Verdict.values()) {
      holder.meters.add(Gauge.builder("shadow_mirroring_comparison_verdict", holder,
              h -> h.latest != null && h.latest.verdict() == verdict ? 1 : 0)
          .tags(pair.and("verdict", verdict.name())).strongReference(true).register(registry));
    }
    return holder;
  }

  private void gauge(Holder holder, String name, Tags tags, ToDoubleFunction<ToDoubleFunction<SideStats>> side,
      ToDoubleFunction<SideStats> value) {
    holder.meters.add(Gauge.builder(name, holder, h -> side.applyAsDouble(value))
        .tags(tags).strongReference(true).register(registry));
  }

  private static double ms(OptionalDouble value) {
    return value.orElse(Double.NaN);
  }
}
