package io.shadowmirroring.xds.model;

/** An annotation value that cannot be used; the message is one line naming key, value and reason. */
public final class InvalidMirrorConfigException extends Exception {
  private final String key;
  private final String value;
  private final String reason;

  public InvalidMirrorConfigException(String key, String value, String reason) {
    super(key + "=\"" + abbreviate(value) + "\": " + reason, null, false, false);
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
    String oneLine = value.replace('\n', ' ');
    return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
  }
}
