package io.shadowmirroring.xds.source;

/**
 * Whether this replica may act on the shared source of truth: write automatic decisions and emit their
 * Events. Every replica serves xDS and computes verdicts; only the leader acts, so that two replicas never
 * promote or abort the same mirror twice.
 */
public interface Leadership extends AutoCloseable {

  /** A single process owns its source (a directory): it is always the leader. */
  Leadership ALWAYS = new Leadership() {
    @Override
    public boolean isLeader() {
      return true;
    }

    @Override
    public String toString() {
      return "always the leader";
    }
  };

  boolean isLeader();

  /** Starts taking part in the election; a no-op where there is none. */
  default void start() {}

  /** Leaves the election, handing over at once when this replica leads. */
  @Override
  default void close() {}
}
