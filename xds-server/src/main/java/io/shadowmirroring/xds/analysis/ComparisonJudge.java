package io.shadowmirroring.xds.analysis;

import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.ServiceRef;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Judges each shadow against production on the windowed stats.
 *
 * <ul>
 *   <li>Fewer than {@code min-requests} requests on either side: INSUFFICIENT_DATA.</li>
 *   <li>Error rate (5xx over requests; see {@link SideSummary}): FAILING when the shadow's rate exceeds
 *       production's by more than {@code max-error-rate-increase} percentage points and a one-sided pooled
 *       two-proportion z-test finds the increase significant at {@code confidence}.</li>
 *   <li>Latency: the p50 and p99 of the merged histograms, each side with at least {@code min-requests} samples;
 *       FAILING when shadow/production exceeds {@code max-p50-ratio} or {@code max-p99-ratio} and the shadow is
 *       also at least {@value #LATENCY_RESOLUTION_MS} ms slower (finer differences are below the resolution of
 *       Envoy's buckets). Without enough samples the latency is not judged, and the verdict stays
 *       INSUFFICIENT_DATA unless another check fails.</li>
 * </ul>
 */
final class ComparisonJudge implements ShadowJudge {
  static final double LATENCY_RESOLUTION_MS = 1.0;

  private record PairKey(ClusterRef primary, ClusterRef target) {}

  private record Since(Verdict verdict, Instant since) {}

  /** A comparison made while neither side had any stats: it stays true until data arrives or the pair changes. */
  private record Quiet(MirrorPair pair, TargetComparison comparison) {}

  private final MetricsIngest ingest;
  private final Clock clock;
  private final Map<PairKey, Since> history = new ConcurrentHashMap<>();
  // Most mirrored pairs get no traffic at all; judging their empty windows again on every tick of the
  // refresher and of the automation was most of the loops' CPU with hundreds of mirrors.
  private final Map<PairKey, Quiet> quiet = new ConcurrentHashMap<>();
  /** How many comparisons were computed rather than reused: what the loops' cost tests count. */
  final AtomicLong computations = new AtomicLong();

  ComparisonJudge(MetricsIngest ingest, Clock clock) {
    this.ingest = ingest;
    this.clock = clock;
  }

  @Override
  public List<TargetComparison> compare(ServiceRef service) {
    return ingest.plan().pairs(service).stream().map(this::compare).toList();
  }

  /** Every pair of every mirrored Service. */
  List<TargetComparison> compareAll() {
    StatPlan plan = ingest.plan();
    // A set, not a list: retainAll looks every key up in its argument.
    Set<PairKey> live = new HashSet<>();
    for (MirrorPair pair : plan.pairs()) {
      live.add(new PairKey(pair.primary(), pair.target()));
    }
    history.keySet().retainAll(live);
    quiet.keySet().retainAll(live);
    return plan.pairs().stream().map(this::compare).toList();
  }

  /**
   * The pair's comparison; reused while both sides still have no stats at all, since empty windows give the
   * same totals at any time (and the verdict, so its "since", cannot move).
   */
  TargetComparison compare(MirrorPair pair) {
    PairKey key = new PairKey(pair.primary(), pair.target());
    boolean empty = !ingest.hasStats(pair.production()) && !ingest.hasStats(pair.shadow());
    if (empty) {
      Quiet reused = quiet.get(key);
      if (reused != null && reused.pair().equals(pair) && history.containsKey(key)) {
        return reused.comparison();
      }
    }
    TargetComparison comparison = judge(pair, key);
    if (empty) {
      quiet.put(key, new Quiet(pair, comparison));
    } else {
      quiet.remove(key);
    }
    return comparison;
  }

  private TargetComparison judge(MirrorPair pair, PairKey key) {
    computations.incrementAndGet();
    AnalysisSettings settings = pair.settings();
    SideSummary production = SideSummary.of(ingest.totals(pair.production(), settings.window()), false);
    SideSummary shadow = SideSummary.of(ingest.totals(pair.shadow(), settings.window()), true);
    List<Check> checks = new ArrayList<>();
    boolean enoughRequests = production.stats().requests() >= settings.minRequests()
        && shadow.stats().requests() >= settings.minRequests();
    checks.add(requestsCheck(production, shadow, settings, enoughRequests));
    boolean failed = false;
    boolean unjudged = !enoughRequests;

    Check errors = errorCheck(production, shadow, settings, enoughRequests);
    checks.add(errors);
    failed |= !errors.ok();

    boolean enoughLatency = enoughRequests && production.latencySamples() >= settings.minRequests()
        && shadow.latencySamples() >= settings.minRequests();
    unjudged |= !enoughLatency;
    Check p50 = latencyCheck("p50 latency", SideStats::p50Ms, settings.maxP50Ratio(), production, shadow, settings,
        enoughRequests, enoughLatency);
    Check p99 = latencyCheck("p99 latency", SideStats::p99Ms, settings.maxP99Ratio(), production, shadow, settings,
        enoughRequests, enoughLatency);
    checks.add(p50);
    checks.add(p99);
    failed |= !p50.ok() || !p99.ok();

    long dropped = shadow.stats().overflows();
    if (dropped > 0) {
      checks.add(new Check("dropped copies", "-", Long.toString(dropped), "", "not an error", true,
          dropped + " copies were dropped by the mirror cluster's circuit breakers: the shadow is overloaded;"
              + " they are not counted as shadow errors"));
    }
    Verdict verdict = failed ? Verdict.FAILING : unjudged ? Verdict.INSUFFICIENT_DATA : Verdict.PASSING;
    Instant now = clock.instant();
    Since since = history.compute(key,
        (k, old) -> old != null && old.verdict() == verdict ? old : new Since(verdict, now));
    return new TargetComparison(pair.primary(), pair.target(), verdict, since.since(), production.stats(),
        shadow.stats(), checks, dropped > 0);
  }

  private static Check requestsCheck(SideSummary production, SideSummary shadow, AnalysisSettings settings,
      boolean enough) {
    long p = production.stats().requests();
    long s = shadow.stats().requests();
    String reason = enough
        ? "both sides have at least " + settings.minRequests() + " requests in the last " + window(settings)
        : "not enough data: production has " + p + " and the shadow " + s + " requests in the last "
            + window(settings) + ", " + settings.minRequests() + " needed on each side";
    return new Check("requests", Long.toString(p), Long.toString(s), signed(s - p), "at least "
        + settings.minRequests() + " each", enough, reason);
  }

  private static Check errorCheck(SideSummary production, SideSummary shadow, AnalysisSettings settings,
      boolean judged) {
    double increase = (shadow.errorRate() - production.errorRate()) * 100;
    String samples = "(" + shadow.errors() + " of " + shadow.stats().requests() + " vs " + production.errors()
        + " of " + production.stats().requests() + ")";
    String threshold = "at most +" + fixed(settings.maxErrorRateIncrease()) + " pp, or not significant at "
        + percent(settings.confidence() * 100) + " confidence";
    String delta = (increase >= 0 ? "+" : "") + fixed(increase) + " pp";
    String productionRate = percent(production.errorRate() * 100);
    String shadowRate = percent(shadow.errorRate() * 100);
    if (!judged) {
      return new Check("5xx rate", productionRate, shadowRate, delta, threshold, true,
          "not judged: too few requests " + samples);
    }
    if (increase <= settings.maxErrorRateIncrease()) {
      return new Check("5xx rate", productionRate, shadowRate, delta, threshold, true,
          "the shadow's 5xx rate is within " + fixed(settings.maxErrorRateIncrease()) + " pp of production's "
              + samples);
    }
    TwoProportionTest.Result test = TwoProportionTest.increase(shadow.errors(), shadow.stats().requests(),
        production.errors(), production.stats().requests(), settings.confidence());
    String z = "z=" + String.format(Locale.ROOT, "%.2f", test.z()) + ", "
        + String.format(Locale.ROOT, "%.2f", test.critical()) + " needed for "
        + percent(settings.confidence() * 100) + " confidence";
    if (!test.significant()) {
      return new Check("5xx rate", productionRate, shadowRate, delta, threshold, true,
          "the shadow's 5xx rate is " + fixed(increase) + " pp higher " + samples
              + ", but a one-sided two-proportion z-test does not rule out noise (" + z + ")");
    }
    return new Check("5xx rate", productionRate, shadowRate, delta, threshold, false,
        "the shadow's 5xx rate is " + fixed(increase) + " pp higher " + samples + ", more than the "
            + fixed(settings.maxErrorRateIncrease()) + " pp allowed, and significant (" + z + ")");
  }

  private static Check latencyCheck(String metric, java.util.function.Function<SideStats, OptionalDouble> quantile,
      double maxRatio, SideSummary production, SideSummary shadow, AnalysisSettings settings, boolean enoughRequests,
      boolean enoughLatency) {
    OptionalDouble p = quantile.apply(production.stats());
    OptionalDouble s = quantile.apply(shadow.stats());
    String threshold = "at most x" + fixed(maxRatio);
    String source = production.stats().latencyFromSummaries() || shadow.stats().latencyFromSummaries()
        ? "; approximate: no histogram buckets arrived, so it comes from summaries"
        : "; from the merged histograms";
    String samples = "(" + shadow.latencySamples() + " shadow and " + production.latencySamples()
        + " production samples)";
    if (!enoughLatency || p.isEmpty() || s.isEmpty()) {
      String why = enoughRequests
          ? "not judged: too few latency samples " + samples + ", " + settings.minRequests() + " needed on each side"
          : "not judged: too few requests";
      return new Check(metric, ms(p), ms(s), "", threshold, true, why);
    }
    double ratio = p.getAsDouble() > 0 ? s.getAsDouble() / p.getAsDouble()
        : s.getAsDouble() > 0 ? Double.POSITIVE_INFINITY : 1;
    double slower = s.getAsDouble() - p.getAsDouble();
    String delta = "x" + fixed(ratio) + " (" + (slower >= 0 ? "+" : "") + String.format(Locale.ROOT, "%.1f", slower)
        + " ms)";
    boolean ok = ratio <= maxRatio || slower < LATENCY_RESOLUTION_MS;
    String reason = ratio <= maxRatio
        ? "within x" + fixed(maxRatio) + " of production " + samples + source
        : ok
            ? "x" + fixed(ratio) + " but only " + String.format(Locale.ROOT, "%.2f", slower) + " ms slower, below the "
                + fixed(LATENCY_RESOLUTION_MS) + " ms resolution of the buckets " + samples + source
            : "the shadow is x" + fixed(ratio) + " slower than production, more than the x" + fixed(maxRatio)
                + " allowed " + samples + source;
    return new Check(metric, ms(p), ms(s), delta, threshold, ok, reason);
  }

  private static String window(AnalysisSettings settings) {
    java.time.Duration window = settings.window();
    if (window.toMillis() % 60_000 == 0) {
      return window.toMinutes() + "m";
    }
    return window.toMillis() % 1000 == 0 ? window.toSeconds() + "s" : window.toMillis() + "ms";
  }

  private static String ms(OptionalDouble value) {
    return value.isPresent() ? String.format(Locale.ROOT, "%.1f ms", value.getAsDouble()) : "-";
  }

  private static String fixed(double value) {
    return Double.isInfinite(value) ? "inf" : String.format(Locale.ROOT, "%.2f", value);
  }

  private static String percent(double value) {
    return String.format(Locale.ROOT, "%.2f%%", value);
  }

  private static String signed(long value) {
    return (value >= 0 ? "+" : "") + value;
  }
}
