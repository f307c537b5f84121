package io.shadowmirroring.xds.model;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Percentages as the annotations write them ({@code 0} to {@code 100}, up to 4 decimals), held as
 * millionths so that they map exactly onto Envoy's {@code FractionalPercent} with denominator MILLION.
 */
public final class Percentage {
  public static final int MILLION = 1_000_000;
  private static final Pattern FORMAT = Pattern.compile("\\d{1,3}(\\.\\d{1,4})?");

  private Percentage() {}

  /** Returns millionths, or throws with the reason when the text is not a valid percentage. */
  public static int parseMillionths(String key, String text) throws InvalidMirrorConfigException {
    String trimmed = text.trim();
    if (!FORMAT.matcher(trimmed).matches()) {
      throw new InvalidMirrorConfigException(key, text,
          "percentage must be a number from 0 to 100 with at most 4 decimals, like 100 or 12.5");
    }
    BigDecimal percent = new BigDecimal(trimmed);
    if (percent.compareTo(BigDecimal.valueOf(100)) > 0) {
      throw new InvalidMirrorConfigException(key, text, "percentage must not exceed 100");
    }
    return percent.movePointRight(4).intValueExact();
  }

  /** The shortest decimal text for a number of millionths: 1000000 is "100", 125000 is "12.5". */
  public static String format(int millionths) {
    return BigDecimal.valueOf(millionths).movePointLeft(4).stripTrailingZeros().toPlainString();
  }
}
