package io.shadowmirroring.xds.testing;

import io.shadowmirroring.xds.analysis.Check;
import io.shadowmirroring.xds.analysis.ShadowJudge;
import io.shadowmirroring.xds.analysis.SideStats;
import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.ServiceRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A judge whose answers the test sets: a fixture for the layers that consume verdicts (admin API,
 * shadowctl, automation), which are what the tests exercise. The real judge is the analysis core's.
 */
public final class FixedJudge implements ShadowJudge {
  public static final SideStats PRODUCTION = new SideStats(1200, 20.0, 1188, 0, 0, 12, 0, 0, 0,
      OptionalDouble.of(12.5), OptionalDouble.of(30.0), OptionalDouble.of(48.0), false, 2);
  public static final SideStats BROKEN_SHADOW = new SideStats(1180, 19.7, 1003, 0, 0, 177, 0, 0, 0,
      OptionalDouble.of(13.0), OptionalDouble.of(31.0), OptionalDouble.empty(), false, 2);
  public static final SideStats HEALTHY_SHADOW = new SideStats(1190, 19.8, 1180, 0, 0, 10, 0, 0, 0,
      OptionalDouble.of(12.0), OptionalDouble.of(29.0), OptionalDouble.of(47.0), false, 2);

  private final Map<ServiceRef, List<TargetComparison>> answers = new ConcurrentHashMap<>();

  @Override
  public List<TargetComparison> compare(ServiceRef service) {
    return answers.getOrDefault(service, List.of());
  }

  public void set(ServiceRef service, TargetComparison... comparisons) {
    answers.put(service, List.of(comparisons));
  }

  /** A comparison with checks that agree with the verdict. */
  public static TargetComparison comparison(ClusterRef primary, ClusterRef target, Verdict verdict, Instant since) {
    return switch (verdict) {
      case FAILING -> new TargetComparison(primary, target, verdict, since, PRODUCTION, BROKEN_SHADOW, List.of(
          new Check("5xx rate", "1.00%", "15.00%", "+14.00 points", "+1.00 points", false,
              "the shadow's 5xx rate is higher than production's beyond the threshold (1180 vs 1200 requests)"),
          new Check("p50 latency", "12.5 ms", "13.0 ms", "x1.04", "x1.25", true, "within the threshold")), false);
      case PASSING -> new TargetComparison(primary, target, verdict, since, PRODUCTION, HEALTHY_SHADOW, List.of(
          new Check("5xx rate", "1.00%", "0.84%", "-0.16 points", "+1.00 points", true, "within the threshold"),
          new Check("p50 latency", "12.5 ms", "12.0 ms", "x0.96", "x1.25", true, "within the threshold")), false);
      case INSUFFICIENT_DATA -> new TargetComparison(primary, target, verdict, since, SideStats.EMPTY,
          SideStats.EMPTY, List.of(), false);
    };
  }

  public static ClusterRef cluster(String namespace, String name, int port) {
    return new ClusterRef(new ServiceRef(namespace, name), port);
  }
}
