package io.shadowmirroring.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Summaries of propagation times, and several changes' times taken together. */
class LatencyRecorderTest {
  private static final long MS = 1_000_000;

  @Test
  void changesTakenTogetherAreSummarizedAsOne() {
    LatencyRecorder fast = new LatencyRecorder();
    LatencyRecorder slow = new LatencyRecorder(0, 10 * MS, 3);
    for (int i = 0; i < 99; i++) {
      fast.record(System.nanoTime(), 20 * MS);
    }
    slow.record(25 * MS, 400 * MS + 5);

    LatencyRecorder all = new LatencyRecorder();
    all.addAll(fast);
    all.addAll(slow);

    assertThat(all.summary()).isEqualTo(new LatencyRecorder.Summary(100, 21, 21, 400.000005));
    slow.record(0, 300 * MS);
    all.addAll(slow);
    assertThat(all.summary().count()).isEqualTo(102);
    assertThat(all.summary().p99()).isEqualTo(401);
  }
}
