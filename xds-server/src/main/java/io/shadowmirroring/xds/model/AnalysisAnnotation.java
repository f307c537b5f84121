package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.model.MirrorAnnotations.ANALYSIS;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code shadow-mirroring.io/analysis}: how a shadow is judged, e.g.
 * {@code window=5m,min-requests=200,max-error-rate-increase=1,max-p99-ratio=1.25,confidence=0.98}. A setting
 * left out keeps its {@link AnalysisSettings#DEFAULT} value.
 */
final class AnalysisAnnotation {
  static final String WINDOW = "window";
  static final String MIN_REQUESTS = "min-requests";
  static final String MAX_ERROR_RATE_INCREASE = "max-error-rate-increase";
  static final String MAX_P50_RATIO = "max-p50-ratio";
  static final String MAX_P99_RATIO = "max-p99-ratio";
  static final String CONFIDENCE = "confidence";
  private static final List<String> SETTINGS =
      List.of(WINDOW, MIN_REQUESTS, MAX_ERROR_RATE_INCREASE, MAX_P50_RATIO, MAX_P99_RATIO, CONFIDENCE);
  private static final Duration MIN_WINDOW = Duration.ofMinutes(1);
  private static final Duration MAX_WINDOW = Duration.ofHours(24);
  private static final Pattern DURATION = Pattern.compile("(\\d{1,5})([smh])");
  // Plain decimals only: no signs, exponents, NaN or Infinity, which Double.parseDouble would accept.
  private static final Pattern DECIMAL = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?");
  private static final Pattern WHOLE = Pattern.compile("\\d{1,9}");

  private AnalysisAnnotation() {}

  static AnalysisSettings parse(String value) throws InvalidMirrorConfigException {
    Map<String, String> settings =
        SettingList.parse(ANALYSIS, value, SETTINGS, "window=5m,min-requests=200");
    AnalysisSettings defaults = AnalysisSettings.DEFAULT;
    return new AnalysisSettings(
        settings.containsKey(WINDOW) ? window(value, settings.get(WINDOW)) : defaults.window(),
        settings.containsKey(MIN_REQUESTS) ? minRequests(value, settings.get(MIN_REQUESTS)) : defaults.minRequests(),
        decimal(value, settings, MAX_ERROR_RATE_INCREASE, "0", "100", " percentage points",
            defaults.maxErrorRateIncrease()),
        decimal(value, settings, MAX_P50_RATIO, "1", "100", "", defaults.maxP50Ratio()),
        decimal(value, settings, MAX_P99_RATIO, "1", "100", "", defaults.maxP99Ratio()),
        decimal(value, settings, CONFIDENCE, "0.5", "0.9999", "", defaults.confidence()));
  }

  private static Duration window(String value, String text) throws InvalidMirrorConfigException {
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      throw new InvalidMirrorConfigException(ANALYSIS, value, WINDOW + " \"" + text
          + "\" is not a duration; write a whole number of s, m or h, like 30s, 5m or 1h");
    }
    long amount = Long.parseLong(m.group(1));
    Duration window = switch (m.group(2)) {
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
    if (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0) {
      throw new InvalidMirrorConfigException(ANALYSIS, value,
          WINDOW + " \"" + text + "\" must be from 1m to 24h");
    }
    return window;
  }

  private static long minRequests(String value, String text) throws InvalidMirrorConfigException {
    if (!WHOLE.matcher(text).matches() || Long.parseLong(text) < 1) {
      throw new InvalidMirrorConfigException(ANALYSIS, value,
          MIN_REQUESTS + " \"" + text + "\" must be a whole number of at least 1");
    }
    return Long.parseLong(text);
  }

  private static double decimal(String value, Map<String, String> settings, String name, String min, String max,
      String unit, double fallback) throws InvalidMirrorConfigException {
    String text = settings.get(name);
    if (text == null) {
      return fallback;
    }
    if (!DECIMAL.matcher(text).matches()
        || new BigDecimal(text).compareTo(new BigDecimal(min)) < 0
        || new BigDecimal(text).compareTo(new BigDecimal(max)) > 0) {
      throw new InvalidMirrorConfigException(ANALYSIS, value,
          name + " \"" + text + "\" must be a number from " + min + " to " + max + unit);
    }
    return Double.parseDouble(text);
  }
}
