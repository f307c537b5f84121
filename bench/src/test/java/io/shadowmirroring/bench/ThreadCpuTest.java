package io.shadowmirroring.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Per-thread CPU grouped by pool, and the CPU of threads that ended during a step. */
class ThreadCpuTest {
  @Test
  void threadsAreGroupedByPoolWithoutTheirNumbers() {
    // comm names as the kernel keeps them: at most 15 characters.
    assertThat(ThreadCpu.group("C2 CompilerThre")).isEqualTo("JIT C2");
    assertThat(ThreadCpu.group("GC Thread#1")).isEqualTo("GC workers");
    assertThat(ThreadCpu.group("G1 Conc#0")).isEqualTo("GC concurrent");
    assertThat(ThreadCpu.group("grpc-default-wo")).isEqualTo("Netty workers");
    assertThat(ThreadCpu.group("grpc-default-ex")).isEqualTo("gRPC executor");
    assertThat(ThreadCpu.group("xds-serving-12")).isEqualTo("xds-serving");
    assertThat(ThreadCpu.group("-1783463798-poo")).isEqualTo("<hash>-poo");
    assertThat(ThreadCpu.group("reconciler")).isEqualTo("reconciler");
  }

  @Test
  void aStepSumsItsThreadsByGroupAndCountsEndedThreadsFromTheProcessTotal() {
    ThreadCpu.Snapshot before = new ThreadCpu.Snapshot(Map.of(
        1L, new ThreadCpu.Sample("grpc-default-ex", 100, 10),
        2L, new ThreadCpu.Sample("grpc-default-ex", 50, 0),
        3L, new ThreadCpu.Sample("C2 CompilerThre", 500, 0)), 660);
    // Thread 2 ended; thread 4 started; the process gained 100 + 20 + 30 (live) + 50 (ended) ticks.
    ThreadCpu.Snapshot after = new ThreadCpu.Snapshot(Map.of(
        1L, new ThreadCpu.Sample("grpc-default-ex", 200, 30),
        3L, new ThreadCpu.Sample("C2 CompilerThre", 530, 0),
        4L, new ThreadCpu.Sample("grpc-default-ex", 0, 0)), 860);

    List<ThreadCpu.Group> groups = ThreadCpu.between(before, after);

    assertThat(groups).containsExactly(
        new ThreadCpu.Group("gRPC executor", 1.0, 0.2),
        new ThreadCpu.Group("(ended threads)", 0.5, 0),
        new ThreadCpu.Group("JIT C2", 0.3, 0));
    assertThat(ThreadCpu.format(groups, 2)).isEqualTo("2.0 CPU-s: gRPC executor 1.2 (sys 0.2), (ended threads) 0.5, other 0.3");
  }
}
