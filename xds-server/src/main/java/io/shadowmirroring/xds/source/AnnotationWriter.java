package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.ServiceRef;
import java.io.IOException;
import java.util.Map;

/**
 * Writes mirror annotations back to where the source reads them, so that a change made through the
 * admin API lives where kubectl and the YAML files show it, and survives a restart.
 *
 * <p>Every write is conditional on what was read: the store may be edited by others (kubectl, another
 * replica, a person with an editor) between our read and our write, and an unconditional write would
 * silently undo their change. A write whose read is stale fails with {@link ConflictException}; the
 * caller re-reads and re-applies its change on top.
 */
public interface AnnotationWriter {

  /**
   * The Service's annotations as the source of truth holds them right now, and the version they were
   * read at (a {@code resourceVersion}, or a content hash of the file).
   */
  Stored read(ServiceRef service) throws ServiceNotFoundException, IOException;

  /** The live annotations, not as last seen by a watch: an edit must start from the latest write. */
  default Map<String, String> currentAnnotations(ServiceRef service) throws ServiceNotFoundException, IOException {
    return read(service).annotations();
  }

  /**
   * Replaces every {@code shadow-mirroring.io/*} annotation of the Service with the given ones and
   * leaves all its other annotations alone, provided the Service is still exactly as {@code base} was read.
   *
   * @throws ConflictException someone else changed the Service since {@code base} was read; nothing was written
   */
  void replaceMirrorAnnotations(ServiceRef service, Stored base, Map<String, String> mirrorAnnotations)
      throws ServiceNotFoundException, ConflictException, IOException;

  /** Annotations as read, with the version of the object (or file) they were read from. */
  record Stored(Map<String, String> annotations, String version) {
    public Stored {
      annotations = Map.copyOf(annotations);
    }
  }

  /** The Service is not known to the source. */
  final class ServiceNotFoundException extends Exception {
    public ServiceNotFoundException(ServiceRef service) {
      super("service " + service + " not found", null, false, false);
    }
  }

  /** The Service (or its file) changed between the read and the write; nothing was written. */
  final class ConflictException extends Exception {
    public ConflictException(String message) {
      super(message, null, false, false);
    }
  }
}
