package io.shadowmirroring.bench;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the streams of one {@link LoadClient} look for, and where they record what they found.
 *
 * <p>Endpoint changes are numbered ({@link MeshFixture#markerAddress}): the harness notes when it wrote
 * change k, and a stream whose EDS responses show k for the first time records, for every change up to
 * k it had not seen, the time since that change was written. This assumes a server delivers changes in
 * the order they were made, which both servers do (one rebuild at a time).
 *
 * <p>Other changes (a percentage, a method list) are found by byte patterns in responses of given types.
 */
public final class MarkerBoard {
  private final AtomicLongArray changeNanos = new AtomicLongArray(MeshFixture.MAX_MARKER + 1);
  private volatile LatencyRecorder endpointRecorder = new LatencyRecorder();
  private volatile PatternWatch patternWatch;

  /** A change found by bytes: any of {@code patterns} in a response of one of {@code typeUrls}. */
  public record PatternWatch(List<byte[]> patterns, Set<String> typeUrls, long changeNanos, LatencyRecorder recorder) {}

  public void recordEndpointsInto(LatencyRecorder recorder) {
    endpointRecorder = recorder;
  }

  /** Call just before writing endpoint change k. */
  public void endpointChangeWritten(int k, long nanos) {
    changeNanos.set(k, nanos);
  }

  public void watch(PatternWatch watch) {
    patternWatch = watch;
  }

  PatternWatch patternWatch() {
    return patternWatch;
  }

  /** A stream saw endpoint changes (previous, latest] at {@code nowNanos}. */
  void endpointsSeen(int previous, int latest, long nowNanos) {
    LatencyRecorder recorder = endpointRecorder;
    for (int k = previous + 1; k <= latest; k++) {
      long written = changeNanos.get(k);
      if (written != 0) {
        recorder.record(written, nowNanos - written);
      }
    }
  }
}
