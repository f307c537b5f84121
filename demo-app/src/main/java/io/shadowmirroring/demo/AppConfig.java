package io.shadowmirroring.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Everything the demo app can be told, read once at start-up.
 *
 * <p>The same image runs as production and as shadow; only these values differ, so that a
 * "new version" with more errors or more latency can be simulated without building a second
 * image.
 *
 * @param bindAddress  address to listen on ({@code 0.0.0.0} in a container, loopback in tests)
 * @param port         TCP port; 0 lets the OS pick one (tests)
 * @param version      what the app reports as its version ({@code APP_VERSION})
 * @param instance     which replica answered (the pod name in Kubernetes)
 * @param errorRate    share of requests, 0..1, answered with a 500 ({@code ERROR_RATE})
 * @param extraLatency delay added to every request ({@code EXTRA_LATENCY_MS})
 */
public record AppConfig(
    String bindAddress, int port, String version, String instance, double errorRate, Duration extraLatency) {

  static final String ENV_PORT = "PORT";
  static final String ENV_VERSION = "APP_VERSION";
  static final String ENV_ERROR_RATE = "ERROR_RATE";
  static final String ENV_EXTRA_LATENCY_MS = "EXTRA_LATENCY_MS";
  /** Kubernetes sets it to the pod name, which tells replicas apart in responses. */
  static final String ENV_HOSTNAME = "HOSTNAME";

  static final int DEFAULT_PORT = 8080;
  static final String DEFAULT_VERSION = "dev";
  /** Longer than any probe timeout: beyond this an "extra latency" is a misconfiguration. */
  static final long MAX_EXTRA_LATENCY_MS = 60_000;

  // The version ends up in JSON bodies and log lines; a tight alphabet keeps both unambiguous.
  private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

  public AppConfig {
    if (bindAddress == null || bindAddress.isBlank()) {
      throw new IllegalArgumentException("bindAddress must not be blank");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be from 0 to 65535, got " + port);
    }
    if (version == null || !VERSION.matcher(version).matches()) {
      throw new IllegalArgumentException("version must match " + VERSION + ", got " + version);
    }
    if (instance == null || instance.isBlank()) {
      throw new IllegalArgumentException("instance must not be blank");
    }
    if (!(errorRate >= 0 && errorRate <= 1)) { // also rejects NaN
      throw new IllegalArgumentException("errorRate must be from 0 to 1, got " + errorRate);
    }
    if (extraLatency == null || extraLatency.isNegative()
        || extraLatency.toMillis() > MAX_EXTRA_LATENCY_MS) {
      throw new IllegalArgumentException("extraLatency must be from 0 to 60s, got " + extraLatency);
    }
  }

  /**
   * Reads the environment. Unset or blank variables take their defaults (a Kubernetes manifest
   * often carries {@code value: ""}); anything else that does not parse is reported, all problems
   * on one line, so a crash-looping pod explains itself in {@code kubectl logs}.
   */
  public static AppConfig fromEnv(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    int port = (int) readLong(env, ENV_PORT, DEFAULT_PORT, 0, 65_535, problems);
    long latencyMs = readLong(env, ENV_EXTRA_LATENCY_MS, 0, 0, MAX_EXTRA_LATENCY_MS, problems);
    double errorRate = readErrorRate(env, problems);
    String version = valueOr(env, ENV_VERSION, DEFAULT_VERSION);
    if (!VERSION.matcher(version).matches()) {
      problems.add(ENV_VERSION + " must be 1 to 64 letters, digits, '.', '_', '+' or '-' starting with"
          + " a letter or digit, got " + quoted(version));
    }
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(String.join("; ", problems));
    }
    String instance = valueOr(env, ENV_HOSTNAME, "local");
    return new AppConfig("0.0.0.0", port, version, instance, errorRate, Duration.ofMillis(latencyMs));
  }

  private static long readLong(
      Map<String, String> env, String name, long fallback, long min, long max, List<String> problems) {
    String raw = valueOr(env, name, null);
    if (raw == null) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below with the same message as an out-of-range value
    }
    problems.add(name + " must be an integer from " + min + " to " + max + ", got " + quoted(raw));
    return fallback;
  }

  private static double readErrorRate(Map<String, String> env, List<String> problems) {
    String raw = valueOr(env, ENV_ERROR_RATE, null);
    if (raw == null) {
      return 0;
    }
    try {
      double value = Double.parseDouble(raw);
      if (value >= 0 && value <= 1) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(ENV_ERROR_RATE + " must be a number from 0 to 1 (0.05 = 5% of requests fail), got "
        + quoted(raw));
    return 0;
  }

  private static String valueOr(Map<String, String> env, String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value.strip();
  }

  /** Quotes a user-supplied value for an error message, cut short so one bad value stays one line. */
  private static String quoted(String raw) {
    String oneLine = raw.replaceAll("\\p{Cntrl}", "?");
    return "\"" + (oneLine.length() > 40 ? oneLine.substring(0, 40) + "..." : oneLine) + "\"";
  }

  /** A configuration the app refuses to start with; the message is meant for a human, as is. */
  public static final class InvalidConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidConfigException(String message) {
      super(message);
    }
  }
}
