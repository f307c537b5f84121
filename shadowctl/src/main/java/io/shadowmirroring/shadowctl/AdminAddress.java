package io.shadowmirroring.shadowctl;

/**
 * Where the admin API listens: {@code host:port}, or {@code [v6-address]:port}. Parsed by hand
 * rather than handed to grpc as a target string, because grpc would read {@code localhost:18001}
 * as a URI whose scheme is "localhost".
 */
record AdminAddress(String host, int port) {

  static AdminAddress parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw invalid(text);
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      // An IPv6 address needs its brackets, or the port cannot be told apart from it.
      throw invalid(text);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw invalid(text);
    }
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw invalid(text);
    }
    return new AdminAddress(host, port);
  }

  private static CliException invalid(String text) {
    return CliException.usage("expected --admin HOST:PORT, got \"" + text + "\"");
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
