package io.shadowmirroring.xds.analysis;

/** One StreamMetrics call: which proxy it speaks for, learnt from its first message. */
final class MetricsStream {
  boolean first = true;
  boolean noNode;
  ProxyState proxy;
  volatile boolean closed;
}
