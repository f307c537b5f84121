package io.shadowmirroring.xds.testing;

import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.AnnotationWriter;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.ProblemReporter;
import java.util.Map;
import java.util.Optional;

/**
 * An empty source whose first sync the test controls: not synced until {@link #sync()}, so a real
 * server started on it shows what it does before its source is complete. Edits find no service.
 */
public final class GatedSource implements ConfigSource {
  private volatile boolean synced;
  private volatile Runnable onChange = () -> { };

  /** Completes the first sync and tells the server, as a real source does. */
  public void sync() {
    synced = true;
    onChange.run();
  }

  @Override
  public void start(Runnable onChange) {
    this.onChange = onChange;
  }

  @Override
  public boolean synced() {
    return synced;
  }

  @Override
  public Optional<String> failure() {
    return Optional.empty();
  }

  @Override
  public Inventory inventory() {
    return Inventory.empty();
  }

  @Override
  public AnnotationWriter annotationWriter() {
    return new AnnotationWriter() {
      @Override
      public Stored read(ServiceRef service) throws ServiceNotFoundException {
        throw new ServiceNotFoundException(service);
      }

      @Override
      public void replaceMirrorAnnotations(ServiceRef service, Stored base, Map<String, String> annotations)
          throws ServiceNotFoundException {
        throw new ServiceNotFoundException(service);
      }
    };
  }

  @Override
  public ProblemReporter problemReporter() {
    return ProblemReporter.NONE;
  }

  @Override
  public String describe() {
    return "gated test source";
  }

  @Override
  public void close() {}
}
