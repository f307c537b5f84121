package io.shadowmirroring.xds.analysis;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shadowmirroring.xds.AutomationSettings;
import io.shadowmirroring.xds.automation.ShadowAutomation;
import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MethodSet;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorLimits;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.ProblemReporter;
import io.shadowmirroring.xds.testing.EnvoyStatsEmitter;
import io.shadowmirroring.xds.testing.TestClock;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The CPU one tick of the comparison loop ({@link ShadowAnalysis#refresh}) and of the automation loop
 * ({@link ShadowAutomation#tick}) costs with 500 mirrored pairs: with no stats at all, and with 100 proxies
 * flushing stats for 100 of the pairs between ticks (the flushes themselves are not counted: IngestCpuTime
 * measures them). Thread CPU time, least of five samples, so a busy machine does not inflate it.
 *
 * <p>Only public or package API that the loops had before their rework, so that the same class measures both.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.shadowmirroring.xds.analysis.LoopCpuTime}
 */
public final class LoopCpuTime {
  static final int PAIRS = 500;
  static final int PROXIES = 100;
  static final int PAIRS_WITH_TRAFFIC = 100;
  static final Duration TICK = ShadowAnalysis.REFRESH;

  private LoopCpuTime() {}

  static ModelBuild mirrors() {
    AnalysisSettings settings = new AnalysisSettings(Duration.ofMinutes(5), 100, 1.0, 1.25, 1.25, 0.98);
    MirrorSpec spec = new MirrorSpec(List.of(), 1_000_000, MethodSet.DEFAULT, Optional.empty(), false,
        MirrorLimits.DEFAULT, settings, false, false);
    List<MirrorStatus> statuses = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      statuses.add(new MirrorStatus(primary(i).service(), MirrorStatus.State.MIRRORING, Optional.of(spec), "",
          Map.of(80, List.of(new MirrorCopy(target(i), 1_000_000))), Map.of(), Map.of()));
    }
    return new ModelBuild(null, statuses, List.of());
  }

  static ClusterRef primary(int i) {
    return new ClusterRef(new ServiceRef("ns" + i % 20, "svc-" + i), 80);
  }

  static ClusterRef target(int i) {
    return new ClusterRef(new ServiceRef("ns" + i % 20, "svc-" + i + "-v2"), 80);
  }

  /** One scenario: the loops over 500 pairs, and the proxies (none, or 100) that flush before each tick. */
  private static final class Scenario {
    final TestClock clock = new TestClock();
    final ShadowAnalysis analysis = new ShadowAnalysis(new SimpleMeterRegistry(), clock);
    final ModelBuild build = mirrors();
    final ShadowAutomation automation;
    final MetricsIngest ingest;
    final List<EnvoyStatsEmitter> proxies = new ArrayList<>();
    final List<MetricsStream> streams = new ArrayList<>();
    int round;

    Scenario(int proxyCount) throws ReflectiveOperationException {
      // A follower replica: it judges and remembers every verdict, but never writes (so needs no editor).
      automation = new ShadowAutomation(() -> build, analysis.judge(), null, ProblemReporter.NONE,
          () -> false, clock);
      Field field = ShadowAnalysis.class.getDeclaredField("ingest");
      field.setAccessible(true);
      ingest = (MetricsIngest) field.get(analysis);
      analysis.onBuild(build);
      for (int p = 0; p < proxyCount; p++) {
        EnvoyStatsEmitter proxy = new EnvoyStatsEmitter("proxy-" + p, new EnvoyStatsEmitter.Mode(false, false,
            EnvoyStatsEmitter.HistogramMode.SUMMARY_AND_HISTOGRAM)).withOtherClusters(20);
        proxies.add(proxy);
        MetricsStream stream = ingest.open();
        streams.add(stream);
        ingest.accept(stream, proxy.flush().toByteArray());
      }
    }

    /** Five seconds pass and every proxy flushes some traffic on the first 100 pairs (not measured). */
    void between() {
      clock.advance(TICK);
      round++;
      for (int p = 0; p < proxies.size(); p++) {
        EnvoyStatsEmitter proxy = proxies.get(p);
        for (int i = 0; i < PAIRS_WITH_TRAFFIC; i++) {
          ClusterRef primary = primary(i);
          int code = (i + p + round) % 50 == 0 ? 503 : 200;
          proxy.routeRequest(ResourceNames.virtualHost(primary), ResourceNames.mirroredRouteStatPrefix(primary),
              code, 10 + (p % 7));
          proxy.clusterRequest(ResourceNames.mirrorClusterStatName(primary, target(i)), code, 11 + (p % 7));
        }
        ingest.accept(streams.get(p), proxy.flush().toByteArray());
      }
    }
  }

  public static void main(String[] args) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int ticks = 10;
    for (int proxyCount : new int[] {0, PROXIES}) {
      Scenario scenario = new Scenario(proxyCount);
      for (int i = 0; i < 30; i++) {
        scenario.between();
        scenario.analysis.refresh();
        scenario.automation.tick();
      }
      double refreshMs = Double.MAX_VALUE;
      double tickMs = Double.MAX_VALUE;
      for (int sample = 0; sample < 5; sample++) {
        long refreshNs = 0;
        long tickNs = 0;
        for (int i = 0; i < ticks; i++) {
          scenario.between();
          long before = threads.getCurrentThreadCpuTime();
          scenario.analysis.refresh();
          long middle = threads.getCurrentThreadCpuTime();
          scenario.automation.tick();
          tickNs += threads.getCurrentThreadCpuTime() - middle;
          refreshNs += middle - before;
        }
        refreshMs = Math.min(refreshMs, refreshNs / 1e6 / ticks);
        tickMs = Math.min(tickMs, tickNs / 1e6 / ticks);
      }
      // The comparison loop ticks every ShadowAnalysis.REFRESH (5 s), the automation every 10 s by default.
      long automationMs = AutomationSettings.DEFAULT_INTERVAL.toMillis();
      System.out.printf(Locale.ROOT, "%d pairs, %d proxies: comparison tick %.3f ms CPU (%.3f%% of one core"
              + " every %d s), automation tick %.3f ms CPU (%.3f%% of one core every %d s)%n", PAIRS, proxyCount,
          refreshMs, refreshMs / TICK.toMillis() * 100, TICK.toSeconds(), tickMs, tickMs / automationMs * 100,
          automationMs / 1000);
    }
  }
}
