package io.shadowmirroring.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.source.DirectorySource;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The harness's load client against plain java-control-plane in this JVM (the harness's baseline, on
 * 127.0.0.1), fed 3 Services through real YAML files: every stream completes, and every stream sees
 * each change, found by its marker in the bytes.
 */
class LoadClientTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path directory;
  private final MeshFixture fixture = new MeshFixture(3, 1);
  private DirectoryFeed feed;
  private BaselineServer server;

  @BeforeEach
  void start() throws Exception {
    feed = new DirectoryFeed(directory, fixture);
    feed.publishAll();
    server = new BaselineServer(new DirectorySource(directory, Duration.ofMillis(50)), "127.0.0.1", 0).start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void sotwStreamsCompleteAndSeeAnEndpointChangeAndAPercentageEdit() throws Exception {
    try (LoadClient client = new LoadClient("127.0.0.1", server.port(), 2, new MarkerBoard(), "")) {
      client.open(5, LoadClient.Mode.SOTW, "test");
      assertThat(client.awaitComplete(WAIT)).as("complete: %s", client.firstFailure()).isTrue();
      assertThat(client.bytes()).isPositive();

      LatencyRecorder endpoints = endpointChange(client, 2, 1);
      assertThat(endpoints.summary().count()).isEqualTo(5);
      assertThat(endpoints.summary().p99()).isPositive().isLessThan(WAIT.toMillis());

      LatencyRecorder percentage = new LatencyRecorder();
      client.board().watch(new MarkerBoard.PatternWatch(Markers.percentage(371_234), Markers.routeTypes(),
          System.nanoTime(), percentage));
      fixture.setPercentage(0, 371_234);
      feed.updateService(0);
      awaitCount(percentage, 5);
      assertThat(percentage.summary().count()).isEqualTo(5);
      assertThat(client.failedCount()).isZero();
    }
  }

  @Test
  void deltaStreamsCompleteAndSeeAnEndpointChange() throws Exception {
    try (LoadClient client = new LoadClient("127.0.0.1", server.port(), 2, new MarkerBoard(), "")) {
      client.open(5, LoadClient.Mode.DELTA, "test");
      assertThat(client.awaitComplete(WAIT)).as("complete: %s", client.firstFailure()).isTrue();

      assertThat(endpointChange(client, 1, 1).summary().count()).isEqualTo(5);
      // The next change counts once per stream too: the first marker is not seen again as new.
      assertThat(endpointChange(client, 1, 2).summary().count()).isEqualTo(5);
    }
  }

  private LatencyRecorder endpointChange(LoadClient client, int service, int marker) throws Exception {
    LatencyRecorder recorder = new LatencyRecorder();
    client.board().recordEndpointsInto(recorder);
    fixture.setMarker(service, marker);
    client.board().endpointChangeWritten(marker, System.nanoTime());
    feed.updateSlice(service);
    awaitCount(recorder, 5);
    return recorder;
  }

  private static void awaitCount(LatencyRecorder recorder, int count) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (recorder.summary().count() < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
