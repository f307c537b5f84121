package io.shadowmirroring.xds.analysis;

/**
 * One line of a comparison: a metric, both sides, the difference and the threshold it is held to.
 * Values are already formatted for people ("1.20%", "42.0 ms"); {@code ok} is false when this check fails.
 *
 * @param reason one sentence on why the check passed or failed, with the sample sizes where they matter
 */
public record Check(String metric, String production, String shadow, String delta, String threshold, boolean ok,
    String reason) {}
