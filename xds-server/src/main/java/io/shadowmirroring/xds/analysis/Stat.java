package io.shadowmirroring.xds.analysis;

/**
 * The Envoy stats the comparison reads. Cluster stats come from {@code cluster_manager} docs
 * ("upstream_rq_total", "upstream_rq_completed", "upstream_rq_<*xx>", "upstream_rq_timeout",
 * "upstream_cx_connect_fail", "upstream_rq_pending_overflow", "upstream_rq_time"); a route with a
 * {@code stat_prefix} gets the virtual-cluster set (router_filter.rst, "Virtual Clusters") plus
 * {@code upstream_rq_completed}, which {@code CodeStatsImpl::chargeResponseStat} (source/common/http/codes.cc)
 * charges for routes as well.
 */
enum Stat {
  TOTAL("upstream_rq_total"),
  COMPLETED("upstream_rq_completed"),
  CLASS_1XX("upstream_rq_1xx"),
  CLASS_2XX("upstream_rq_2xx"),
  CLASS_3XX("upstream_rq_3xx"),
  CLASS_4XX("upstream_rq_4xx"),
  CLASS_5XX("upstream_rq_5xx"),
  TIMEOUT("upstream_rq_timeout"),
  CONNECT_FAIL("upstream_cx_connect_fail"),
  PENDING_OVERFLOW("upstream_rq_pending_overflow"),
  /** {@code upstream_rq_<code>}: recognized, but the classes already carry what the comparison needs. */
  RESPONSE_CODE(null),
  /** The {@code upstream_rq_time} histogram, in ms. */
  RQ_TIME("upstream_rq_time");

  /** How many stats are counters; they come first, so {@code ordinal()} indexes counter arrays. */
  static final int COUNTERS = 10;

  private final String leaf;

  Stat(String leaf) {
    this.leaf = leaf;
  }

  /** The last segment of the stat's name, null for response codes. */
  String leaf() {
    return leaf;
  }

  boolean isCounter() {
    return ordinal() < COUNTERS;
  }

  static Stat responseClass(int digit) {
    return switch (digit) {
      case 1 -> CLASS_1XX;
      case 2 -> CLASS_2XX;
      case 3 -> CLASS_3XX;
      case 4 -> CLASS_4XX;
      case 5 -> CLASS_5XX;
      default -> null;
    };
  }
}
