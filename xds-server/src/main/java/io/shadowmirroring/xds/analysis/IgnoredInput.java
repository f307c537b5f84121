package io.shadowmirroring.xds.analysis;

/** Why part of a StreamMetrics message was not used; the label of {@code shadow_mirroring_metrics_ignored_total}. */
enum IgnoredInput {
  /** A family whose name is not one of the stats of a mirrored Service (most of every flush). */
  UNKNOWN_NAME("unknown_name"),
  /** A negative, NaN or infinite value, or a count too large to be real. */
  INVALID_VALUE("invalid_value"),
  /** More labels, or longer ones, than any Envoy stat has. */
  HUGE_LABEL_SET("huge_label_set"),
  /** A message on a stream whose first message had no node id. */
  NO_NODE("no_node"),
  /** A histogram whose bounds do not increase or whose cumulative counts decrease. */
  NON_MONOTONIC_BUCKETS("non_monotonic_buckets"),
  /** A message over the size limit; gRPC ends that stream and Envoy opens a new one. */
  OVERSIZE_MESSAGE("oversize_message"),
  /** Bytes that are not a valid StreamMetricsMessage; the rest of that message is dropped. */
  MALFORMED_MESSAGE("malformed_message"),
  /** A family whose type does not fit its name (a counter name sent as a gauge, say). */
  WRONG_TYPE("wrong_type"),
  /** A message from an older stream of a node that has since opened a new one. */
  SUPERSEDED_STREAM("superseded_stream");

  private final String label;

  IgnoredInput(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
