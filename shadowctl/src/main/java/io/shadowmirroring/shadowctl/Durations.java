package io.shadowmirroring.shadowctl;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations as written on the command line: {@code 500ms}, {@code 30s}, {@code 2m}, or plain seconds. */
final class Durations {
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)?");

  private Durations() {}

  static Duration parse(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new TypeConversionException("--timeout: expected a duration such as 500ms, 30s or 2m, got \"" + text + "\"");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    Duration duration = switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofSeconds(amount);
    };
    if (duration.isZero()) {
      throw new TypeConversionException("--timeout: must be more than zero, got \"" + text + "\"");
    }
    return duration;
  }

  /** The shortest exact form, the way it would be typed. */
  static String format(Duration d) {
    if (d.toMillis() % 1000 != 0) {
      return d.toMillis() + "ms";
    }
    long seconds = d.toSeconds();
    return seconds % 60 == 0 ? (seconds / 60) + "m" : seconds + "s";
  }

  static final class Converter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return parse(value);
    }
  }
}
