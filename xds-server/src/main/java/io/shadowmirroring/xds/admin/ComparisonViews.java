package io.shadowmirroring.xds.admin;

import io.shadowmirroring.api.admin.v1.Comparison;
import io.shadowmirroring.api.admin.v1.MirrorTarget;
import io.shadowmirroring.api.admin.v1.SideStats;
import io.shadowmirroring.api.admin.v1.TargetVerdict;
import io.shadowmirroring.api.admin.v1.Verdict;
import io.shadowmirroring.xds.analysis.Check;
import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ServiceRef;
import java.math.BigDecimal;
import java.util.List;

/** Turns the judge's comparisons into the admin API's messages. */
final class ComparisonViews {
  private ComparisonViews() {}

  static Comparison comparison(ServiceRef service, List<TargetComparison> comparisons) {
    Comparison.Builder result = Comparison.newBuilder().setService(MirrorViews.name(service));
    comparisons.forEach(c -> result.addTargets(target(c)));
    return result.build();
  }

  static io.shadowmirroring.api.admin.v1.TargetComparison target(TargetComparison c) {
    io.shadowmirroring.api.admin.v1.TargetComparison.Builder target =
        io.shadowmirroring.api.admin.v1.TargetComparison.newBuilder()
            .setPrimaryPort(c.primary().port())
            .setTargetNamespace(c.target().service().namespace())
            .setTargetService(c.target().service().name())
            .setTargetPort(c.target().port())
            .setVerdict(verdict(c.verdict()))
            .setVerdictSince(MirrorViews.timestamp(c.verdictSince()))
            .setShadowOverloaded(c.shadowOverloaded())
            .setProduction(side(c.production()))
            .setShadow(side(c.shadow()));
    for (Check check : c.checks()) {
      target.addChecks(io.shadowmirroring.api.admin.v1.Check.newBuilder()
          .setMetric(check.metric())
          .setProduction(check.production())
          .setShadow(check.shadow())
          .setDelta(check.delta())
          .setThreshold(check.threshold())
          .setOk(check.ok())
          .setReason(check.reason()));
    }
    return target.build();
  }

  /** The short form carried by {@code Mirror}: which target, on which port, what verdict since when. */
  static TargetVerdict verdict(MirrorStatus status, TargetComparison c) {
    MirrorTarget.Builder target = MirrorTarget.newBuilder()
        .setNamespace(c.target().service().namespace())
        .setService(c.target().service().name())
        .setPort(c.target().port());
    percentage(status, c.primary().port(), c.target())
        .ifPresent(p -> target.setPercentage(BigDecimal.valueOf(p).movePointLeft(4).doubleValue()));
    return TargetVerdict.newBuilder()
        .setPrimaryPort(c.primary().port())
        .setTarget(target)
        .setVerdict(verdict(c.verdict()))
        .setVerdictSince(MirrorViews.timestamp(c.verdictSince()))
        .setShadowOverloaded(c.shadowOverloaded())
        .build();
  }

  private static java.util.Optional<Integer> percentage(MirrorStatus status, int port, ClusterRef target) {
    return status.targetsByPort().getOrDefault(port, List.of()).stream()
        .filter(copy -> copy.cluster().equals(target)).map(MirrorCopy::millionths).findFirst();
  }

  static Verdict verdict(io.shadowmirroring.xds.analysis.Verdict verdict) {
    return switch (verdict) {
      case INSUFFICIENT_DATA -> Verdict.INSUFFICIENT_DATA;
      case PASSING -> Verdict.PASSING;
      case FAILING -> Verdict.FAILING;
    };
  }

  static SideStats side(io.shadowmirroring.xds.analysis.SideStats s) {
    SideStats.Builder side = SideStats.newBuilder()
        .setRequests(s.requests())
        .setRatePerSecond(s.ratePerSecond())
        .setResponses2Xx(s.responses2xx())
        .setResponses3Xx(s.responses3xx())
        .setResponses4Xx(s.responses4xx())
        .setResponses5Xx(s.responses5xx())
        .setTimeouts(s.timeouts())
        .setConnectFailures(s.connectFailures())
        .setOverflows(s.overflows())
        .setLatencyFromSummaries(s.latencyFromSummaries())
        .setProxies(s.proxies());
    s.p50Ms().ifPresent(side::setP50Ms);
    s.p90Ms().ifPresent(side::setP90Ms);
    s.p99Ms().ifPresent(side::setP99Ms);
    return side.build();
  }
}
