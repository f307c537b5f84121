package io.shadowmirroring.xds.model;

/** An annotation value that cannot be used; the message is one line naming key, value and reason. */
public final class InvalidMirrorConfigException extends Exception {
  private final String key;
  private final String value;
  private final String reason;

  public InvalidMirrorConfigException(String key, String value, String reason) {
    super(key + "=\"" + abbreviate(value) + "\": " + oneLine(reason), null, false, false);
    this.key = key;
    this.value = value;
    this.reason = reason;
  }

  public String key() {
    return key;
  }

  public String value() {
    return value;
  }

  public String reason() {
    return reason;
  }

  // Keep log lines and Event messages readable when the value itself is the problem.
  private static String abbreviate(String value) {
    String oneLine = oneLine(value);
    return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
  }

  // Reasons quote the offending entry, which may span lines just like the value; every line
  // terminator a log viewer or terminal honours (not only \n) would split the one line.
  private static String oneLine(String text) {
    return text.replaceAll("[\\n\\r\\u000B\\u000C\\u0085\\u2028\\u2029]", " ");
  }
}
