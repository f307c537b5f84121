package io.shadowmirroring.xds.analysis;

/** Receives what {@link MetricsMessageScanner} finds in one message, in wire order. */
interface ObservationSink {

  /** A counter of a scope, as sent: cumulative or a delta, the proxy's state decides. */
  void counter(int scope, Stat stat, double value);

  /**
   * A histogram of the last flush interval.
   *
   * @param cumulative counts at or below each bound, checked to be non-decreasing and at most {@code samples}
   */
  void histogram(int scope, double[] bounds, long[] cumulative, long samples);

  /** A summary of the last flush interval with at least one sample; quantiles and values checked increasing. */
  void summary(int scope, long samples, double[] quantiles, double[] values);

  /** A counter of any other family, read only while the proxy's counter mode is unknown. */
  void probedCounter(double value);

  void ignored(IgnoredInput reason, long count);
}
