package io.shadowmirroring.xds.analysis;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the server remembers of one proxy (by node id) across its streams: how it sends counters and the last
 * cumulative value of each counter, to turn values into increments. Guarded by its own monitor.
 */
final class ProxyState {
  /** A counter as sent in one message. */
  record CounterValue(StatScope scope, Stat stat, double value) {}

  /** A message's counters held while the counter mode is not known yet. */
  record PendingMessage(Instant at, List<CounterValue> counters, List<StatScope> planScopes) {}

  final String nodeId;
  Object owner;
  CounterMode mode = CounterMode.UNKNOWN;
  int messagesWhileUnknown;
  Instant lastSeen;
  final Map<StatScope, double[]> last = new HashMap<>();
  final List<PendingMessage> pending = new ArrayList<>();

  ProxyState(String nodeId, Instant now) {
    this.nodeId = nodeId;
    this.lastSeen = now;
  }

  /**
   * The increment a cumulative value stands for. In the first message heard from a proxy a value is only a
   * baseline (what it counted before is of unknown age). After that, a counter appearing for the first time
   * was 0 at the previous flush, since Envoy sends every used counter on every flush; see
   * {@link #endOfMessage}. A value below the last is a reset (the counter was recreated, or Envoy restarted),
   * and all of it is new.
   *
   * @return the increment, or -1 - increment for a reset
   */
  long cumulativeIncrement(StatScope scope, Stat stat, double value) {
    double[] values = last.computeIfAbsent(scope, s -> {
      double[] fresh = new double[Stat.COUNTERS];
      java.util.Arrays.fill(fresh, Double.NaN);
      return fresh;
    });
    double previous = values[stat.ordinal()];
    values[stat.ordinal()] = value;
    if (Double.isNaN(previous)) {
      return 0;
    }
    if (value < previous) {
      return -1 - Math.round(value);
    }
    return Math.round(value - previous);
  }

  /**
   * After a cumulative message: every counter of a mirrored scope that the message did not carry was unused,
   * so it stands at 0 from now on.
   */
  void endOfMessage(Iterable<StatScope> scopes) {
    for (StatScope scope : scopes) {
      double[] values = last.computeIfAbsent(scope, s -> new double[Stat.COUNTERS]);
      for (int i = 0; i < values.length; i++) {
        if (Double.isNaN(values[i])) {
          values[i] = 0;
        }
      }
    }
  }
}
