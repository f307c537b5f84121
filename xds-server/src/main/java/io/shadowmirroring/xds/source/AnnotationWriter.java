package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.ServiceRef;
import java.io.IOException;
import java.util.Map;

/**
 * Writes mirror annotations back to where the source reads them, so that a change made through the
 * admin API lives where kubectl and the YAML files show it, and survives a restart.
 */
public interface AnnotationWriter {

  /**
   * The Service's annotations as the source of truth holds them right now, not as last seen by a
   * watch: an edit must start from the latest write, or quick successive edits undo each other.
   */
  Map<String, String> currentAnnotations(ServiceRef service) throws ServiceNotFoundException, IOException;

  /**
   * Replaces every {@code shadow-mirroring.io/*} annotation of the Service with the given ones and
   * leaves all its other annotations alone.
   */
  void replaceMirrorAnnotations(ServiceRef service, Map<String, String> mirrorAnnotations)
      throws ServiceNotFoundException, IOException;

  /** The Service is not known to the source. */
  final class ServiceNotFoundException extends Exception {
    public ServiceNotFoundException(ServiceRef service) {
      super("service " + service + " not found", null, false, false);
    }
  }
}
