package io.shadowmirroring.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AppConfigTest {

  @Test
  void anEmptyEnvironmentGivesTheDefaults() {
    AppConfig config = AppConfig.fromEnv(Map.of());

    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.version()).isEqualTo("dev");
    assertThat(config.errorRate()).isZero();
    assertThat(config.extraLatency()).isZero();
    assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(config.instance()).isEqualTo("local");
  }

  @Test
  void everyVariableIsRead() {
    AppConfig config = AppConfig.fromEnv(Map.of(
        "PORT", "9090", "APP_VERSION", "2.0.0", "ERROR_RATE", "0.25",
        "EXTRA_LATENCY_MS", "150", "HOSTNAME", "app-shadow-7d9f-abcde"));

    assertThat(config).isEqualTo(new AppConfig(
        "0.0.0.0", 9090, "2.0.0", "app-shadow-7d9f-abcde", 0.25, Duration.ofMillis(150)));
  }

  @Test
  void blankValuesCountAsUnsetBecauseManifestsOftenCarryEmptyStrings() {
    AppConfig config = AppConfig.fromEnv(Map.of("PORT", "", "ERROR_RATE", "  ", "APP_VERSION", ""));

    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.errorRate()).isZero();
    assertThat(config.version()).isEqualTo("dev");
  }

  @ParameterizedTest(name = "{0}={1} is rejected")
  // Backticks quote, because the expected messages contain both kinds of quote.
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      PORT             | http      | PORT must be an integer from 0 to 65535, got "http"
      PORT             | 65536     | PORT must be an integer from 0 to 65535, got "65536"
      PORT             | -1        | PORT must be an integer from 0 to 65535, got "-1"
      ERROR_RATE       | 5%        | ERROR_RATE must be a number from 0 to 1 (0.05 = 5% of requests fail), got "5%"
      ERROR_RATE       | 1.5       | ERROR_RATE must be a number from 0 to 1 (0.05 = 5% of requests fail), got "1.5"
      ERROR_RATE       | NaN       | ERROR_RATE must be a number from 0 to 1 (0.05 = 5% of requests fail), got "NaN"
      EXTRA_LATENCY_MS | 100ms     | EXTRA_LATENCY_MS must be an integer from 0 to 60000, got "100ms"
      EXTRA_LATENCY_MS | 60001     | EXTRA_LATENCY_MS must be an integer from 0 to 60000, got "60001"
      APP_VERSION      | v 2       | APP_VERSION must be 1 to 64 letters, digits, '.', '_', '+' or '-' starting with a letter or digit, got "v 2"
      APP_VERSION      | -2.0.0    | APP_VERSION must be 1 to 64 letters, digits, '.', '_', '+' or '-' starting with a letter or digit, got "-2.0.0"
      """)
  void badValuesAreRejectedWithAMessageNamingTheVariableAndTheValue(String name, String value, String message) {
    assertThatThrownBy(() -> AppConfig.fromEnv(Map.of(name, value)))
        .isInstanceOf(AppConfig.InvalidConfigException.class)
        .hasMessage(message);
  }

  @Test
  void allProblemsAreReportedTogetherOnOneLine() {
    assertThatThrownBy(() -> AppConfig.fromEnv(Map.of("PORT", "x", "ERROR_RATE", "2\n")))
        .hasMessageContaining("PORT must be")
        .hasMessageContaining("; ERROR_RATE must be")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aVeryLongBadValueIsCutShortInTheMessage() {
    String longValue = "9".repeat(500);

    assertThatThrownBy(() -> AppConfig.fromEnv(Map.of("PORT", longValue)))
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(120).endsWith("...\""));
  }

  @Test
  void theRecordItselfRefusesImpossibleValues() {
    assertThatThrownBy(() -> new AppConfig("127.0.0.1", 0, "1.0.0", "x", 1.01, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("errorRate");
    assertThatThrownBy(() -> new AppConfig("127.0.0.1", 0, "1.0.0", "x", 0, Duration.ofMillis(-1)))
        .hasMessageContaining("extraLatency");
  }
}
