package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.Inventory;
import java.util.Optional;

/**
 * Where Services and EndpointSlices come from. A source only reports objects; it never builds protos
 * and never decides what to mirror.
 */
public interface ConfigSource extends AutoCloseable {

  /** Starts watching; {@code onChange} runs (on any thread) after every change. */
  void start(Runnable onChange) throws Exception;

  /** True once the source has a complete view; nothing is served before that. */
  boolean synced();

  /** Why the source can no longer be trusted to follow changes (a stopped informer), if it can't. */
  Optional<String> failure();

  /** True when Services in this namespace are watched (and so served); all namespaces by default. */
  default boolean watchesNamespace(String namespace) {
    return true;
  }

  /** The current objects. */
  Inventory inventory();

  /** Where rejected annotations, verdicts and automatic actions are reported besides the log. */
  ProblemReporter problemReporter();

  /** Where the admin API writes mirror annotations: the same place this source reads them. */
  AnnotationWriter annotationWriter();

  /**
   * Who among the replicas reading this source may act on it (automatic promotions and aborts). A source
   * of truth only this process reads, such as a directory, needs no election.
   */
  default Leadership leadership(LeaseSettings lease) {
    return Leadership.ALWAYS;
  }

  /** A short description for logs, like "kubernetes (all namespaces)". */
  String describe();

  @Override
  void close();
}
