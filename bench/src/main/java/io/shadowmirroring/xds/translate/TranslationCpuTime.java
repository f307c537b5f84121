package io.shadowmirroring.xds.translate;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link TranslationBenchmark}'s figures in CPU time rather than wall time: the machine is shared, and a busy
 * machine stretches wall time (what JMH reports) but hardly the CPU an operation costs. Runs each benchmark
 * method on one thread, warms up, then reads the thread's CPU clock over 5 samples and reports the least.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.shadowmirroring.xds.translate.TranslationCpuTime}
 */
public final class TranslationCpuTime {
  private TranslationCpuTime() {}

  public static void main(String[] args) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    TranslationBenchmark benchmark = new TranslationBenchmark();
    benchmark.services = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    benchmark.setUp();
    Map<String, Supplier<Object>> operations = new LinkedHashMap<>();
    operations.put("fullTranslation", benchmark::fullTranslation);
    operations.put("oneServiceChanged", benchmark::oneServiceChanged);
    operations.put("onePercentageChanged", benchmark::onePercentageChanged);
    operations.put("modelBuild", benchmark::modelBuild);
    operations.put("oneServiceChangedModel", benchmark::oneServiceChangedModel);
    operations.put("oneServiceChangedEndToEnd", benchmark::oneServiceChangedEndToEnd);
    for (Map.Entry<String, Supplier<Object>> operation : operations.entrySet()) {
      int rounds = 20;
      for (int i = 0; i < rounds * 5; i++) {
        operation.getValue().get();
      }
      // A busy machine only ever makes a sample slower, so report the least.
      double cpuMs = Double.MAX_VALUE;
      double wallMs = Double.MAX_VALUE;
      for (int sample = 0; sample < 5; sample++) {
        long cpuBefore = threads.getCurrentThreadCpuTime();
        long wallBefore = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
          operation.getValue().get();
        }
        cpuMs = Math.min(cpuMs, (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e6 / rounds);
        wallMs = Math.min(wallMs, (System.nanoTime() - wallBefore) / 1e6 / rounds);
      }
      System.out.printf(Locale.ROOT, "%s (%d Services): %.2f ms CPU (%.2f ms wall) an operation%n",
          operation.getKey(), benchmark.services, cpuMs, wallMs);
    }
  }
}
