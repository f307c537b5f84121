package io.shadowmirroring.xds.analysis;

/** How a shadow compares with production on the same class of traffic. */
public enum Verdict {
  INSUFFICIENT_DATA,
  PASSING,
  FAILING
}
