package io.shadowmirroring.xds.analysis;

/**
 * Whether a proxy sends counters cumulative (the default) or as deltas ({@code report_counters_as_deltas}).
 * Nothing in the stream says which, so it is inferred: Envoy sends every counter that was ever used on every
 * flush ({@code MetricsFlusher}'s predicate is {@code metric.used()}), and a used counter is at least 1 when
 * cumulative, while as a delta it is 0 whenever it did not move in the interval, which most counters of a real
 * proxy (startup and config-change counters) do not. So zeros among a message's counters mean deltas, and a
 * message without any, after the first, means cumulative.
 */
enum CounterMode {
  UNKNOWN, CUMULATIVE, DELTA;

  /** Zero-valued counters in one message that settle DELTA (one could come from an odd add(0)). */
  static final int ZEROS_FOR_DELTA = 2;
  /** Counters that must have been probed in a message without zeros to settle CUMULATIVE. */
  static final int PROBES_FOR_CUMULATIVE = 8;
  /** Messages after which a proxy with too few counters to tell is taken as cumulative, the default. */
  static final int MESSAGES_BEFORE_DEFAULT = 3;
}
