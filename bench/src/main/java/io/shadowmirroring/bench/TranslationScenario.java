package io.shadowmirroring.bench;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Scenario 7 inside the harness run: {@link TranslationBenchmark} through JMH's runner with short
 * iterations (a forked JVM, 6 warm-up and 5 measured seconds per benchmark: with 3, a full rebuild was
 * still getting faster through the measured ones). The baseline translates
 * with the same code, so it has no column of its own here.
 */
final class TranslationScenario {
  private TranslationScenario() {}

  static Figures run(int services) throws RunnerException {
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include(TranslationBenchmark.class.getName())
        .param("services", Integer.toString(services))
        .warmupIterations(6).warmupTime(TimeValue.seconds(1))
        .measurementIterations(5).measurementTime(TimeValue.seconds(1))
        .forks(1)
        .shouldFailOnError(true)
        .build()).run();
    Figures figures = new Figures();
    for (RunResult result : results) {
      String name = result.getParams().getBenchmark();
      figures.put(name.substring(name.lastIndexOf('.') + 1) + " (ms)", result.getPrimaryResult().getScore());
    }
    return figures.note(services + " Services (half mirrored), one Envoy profile, JMH average time");
  }
}
