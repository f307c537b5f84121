package io.shadowmirroring.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RequestLogLineTest {

  private static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");

  @Test
  void aSuccessfulRequestIsOneInfoLineWithItsResponseTime() {
    String line = new RequestLogLine(AT, "GET", "/", 200, "app-service.shadow-demo", false, "1.0.0", 12, null)
        .format();

    assertThat(line).isEqualTo("2026-01-02T03:04:05Z INFO method=GET path=/ status=200"
        + " host=app-service.shadow-demo mirrored=false version=1.0.0 response_time=12ms");
  }

  @Test
  void aFailedRequestSaysErrorSoThatGrepCountsIt() {
    String line = new RequestLogLine(AT, "POST", "/", 500, "h-shadow", true, "2.0.0", 3, "injected failure")
        .format();

    assertThat(line).contains(" ERROR ").contains("mirrored=true").contains("response_time=3ms")
        .endsWith("error=\"injected failure\"");
  }

  @Test
  void clientSuppliedValuesCannotBreakTheLineOrForgeAnError() {
    String line = new RequestLogLine(AT, "GET", "/", 200, "evil\n2026 ERROR x\"y", false, "1.0.0", 1, null)
        .format();

    assertThat(line).doesNotContain("\n").doesNotContain(" ERROR ").contains("host=evil?2026?ERROR?x\"y");
  }

  @Test
  void missingValuesAreShownAsADash() {
    String line = new RequestLogLine(AT, "GET", "/", 200, null, false, "1.0.0", 0, null).format();

    assertThat(line).contains(" host=- ");
  }
}
