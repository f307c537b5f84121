package io.shadowmirroring.shadowctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A server that has not synced yet answers UNAVAILABLE "not ready: ..." and does nothing else. shadowctl
 * started together with it waits (saying so once on stderr) and prints the real answer; at --timeout it
 * gives up with the server's line. No other failure is retried.
 */
class ReadinessWaitTest {
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.plaintext();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @BeforeEach
  void clear() {
    server.admin.clear();
  }

  private Cli.Result shadowctl(String... args) {
    return server.shadowctl(args);
  }

  private String waiting(String timeout) {
    return "shadowctl: waiting up to " + timeout + " for the admin API at " + server.address()
        + ": not ready: the source has not synced yet\n";
  }

  @Test
  void mirrorsWaitsUntilTheServerIsReadyAndPrintsTheRealList() {
    server.admin.notReadyAnswers.set(3);

    Cli.Result result = shadowctl("mirrors");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo(Golden.read("mirrors", "out"));
    assertThat(result.err()).as("said once, however many tries, then the list's notices")
        .isEqualTo(waiting("1m") + Golden.read("mirrors", "err"));
    assertThat(server.admin.refusedNotReady).hasValue(3);
  }

  @Test
  void atTheTimeoutItExitsOneWithTheServersLine() {
    server.admin.notReadyAnswers.set(Integer.MAX_VALUE);

    Cli.Result result = shadowctl("--timeout", "500ms", "-o", "json", "mirrors");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.out()).as("never an empty list").isEmpty();
    assertThat(result.err()).isEqualTo(waiting("500ms")
        + "shadowctl: UNAVAILABLE: not ready: the source has not synced yet\n");
    assertThat(server.admin.refusedNotReady.get()).as("a short backoff, not one try").isGreaterThan(1);
  }

  @Test
  void aChangeIsSentAgainAndReachesTheServerOnce() {
    server.admin.notReadyAnswers.set(2);

    Cli.Result result = shadowctl("set", "shadow-demo/app-service", "--to", "app-shadow-service");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo(Golden.read("set", "out"));
    assertThat(server.admin.requests).hasSize(1).first().isInstanceOf(SetMirrorRequest.class);
  }

  @Test
  void watchWaitsTooBeforeItsFirstEvent() {
    server.admin.notReadyAnswers.set(2);

    Cli.Result result = shadowctl("watch");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo(Golden.read("watch", "out"));
    assertThat(result.err()).isEqualTo(waiting("1m"));
    assertThat(server.admin.requests).containsExactly(WatchMirrorsRequest.getDefaultInstance());
  }

  @Test
  void anotherUnavailableIsNotRetried() {
    Cli.Result result = shadowctl("mirrors", "-n", "syncing");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).isEqualTo("shadowctl: UNAVAILABLE: the Kubernetes API did not answer\n");
    assertThat(server.admin.requests).hasSize(1);
  }
}
