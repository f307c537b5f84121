package io.shadowmirroring.demo;

import java.time.Instant;

/**
 * One line per request, in {@code key=value} form so it can be grepped ({@code grep response_time})
 * and counted ({@code grep -c ERROR}) without a log pipeline.
 *
 * <p>Only failed requests carry the word {@code ERROR}: the seed's error-rate check counts lines
 * containing it, so nothing else may print it, not even a start-up line naming ERROR_RATE.
 *
 * @param error why the request failed, or {@code null}
 */
record RequestLogLine(
    Instant at, String method, String path, int status, String host, boolean mirrored,
    String version, long responseTimeMillis, String error) {

  private static final int MAX_FIELD = 200;

  String format() {
    StringBuilder line = new StringBuilder(160)
        .append(at).append(error == null ? " INFO " : " ERROR ")
        .append("method=").append(clean(method))
        .append(" path=").append(clean(path))
        .append(" status=").append(status)
        .append(" host=").append(clean(host))
        .append(" mirrored=").append(mirrored)
        .append(" version=").append(version)
        .append(" response_time=").append(responseTimeMillis).append("ms");
    if (error != null) {
      // Quoted, so spaces may stay; a double quote inside would end the field early.
      line.append(" error=\"").append(clean(error, true).replace('"', '\'')).append('"');
    }
    return line.toString();
  }

  /**
   * Method, path and Host come from the client: without this a crafted header could forge log
   * lines (a newline) or fake an ERROR count.
   */
  static String clean(String value) {
    return clean(value, false);
  }

  private static String clean(String value, boolean keepSpaces) {
    if (value == null || value.isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_FIELD));
    for (int i = 0; i < value.length() && i < MAX_FIELD; i++) {
      char c = value.charAt(i);
      boolean printable = (c > ' ' || (keepSpaces && c == ' ')) && c < 0x7f;
      out.append(printable ? c : '?');
    }
    return out.toString();
  }
}
