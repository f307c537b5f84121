package io.shadowmirroring.xds.analysis;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * The README's figure, in CPU time rather than wall time: a shared or busy machine stretches wall time (what JMH
 * reports) but not the CPU a flush costs. Runs {@link MetricsIngestBenchmark}'s flushes on one thread, warms up,
 * then reads the thread's CPU clock over 20 rounds of the 100 proxies, five times, and reports the least.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.shadowmirroring.xds.analysis.IngestCpuTime}
 */
public final class IngestCpuTime {
  private IngestCpuTime() {}

  public static void main(String[] args) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (boolean labels : new boolean[] {false, true}) {
      MetricsIngestBenchmark benchmark = new MetricsIngestBenchmark();
      benchmark.labels = labels;
      benchmark.setUp();
      int flushes = MetricsIngestBenchmark.PROXIES * 20;
      for (int i = 0; i < flushes * 3; i++) {
        benchmark.ingestOneFlush();
      }
      // Five samples; a busy machine only ever makes a sample slower, so report the least.
      double cpuMs = Double.MAX_VALUE;
      double wallMs = Double.MAX_VALUE;
      for (int sample = 0; sample < 5; sample++) {
        long cpuBefore = threads.getCurrentThreadCpuTime();
        long wallBefore = System.nanoTime();
        for (int i = 0; i < flushes; i++) {
          benchmark.ingestOneFlush();
        }
        cpuMs = Math.min(cpuMs, (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e6 / flushes);
        wallMs = Math.min(wallMs, (System.nanoTime() - wallBefore) / 1e6 / flushes);
      }
      // 100 proxies flushing every 5 s: 20 flushes a second.
      double coreShare = cpuMs * MetricsIngestBenchmark.PROXIES / 5.0 / 1000.0 * 100;
      System.out.printf(Locale.ROOT, "labels=%s: %d families a flush, %.3f ms CPU (%.3f ms wall) a flush;"
              + " 100 proxies every 5 s = %.2f%% of one core%n", labels, benchmark.families, cpuMs, wallMs,
          coreShare);
    }
  }
}
