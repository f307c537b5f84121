package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.ServiceRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * Rewrites the annotations in the YAML file that holds the Service, keeping its other documents and
 * comments; the directory's own polling then serves the change like any other edit.
 */
final class DirectoryAnnotationWriter implements AnnotationWriter {
  private final DirectorySource source;
  private final YamlAnnotationEditor editor = new YamlAnnotationEditor();

  DirectoryAnnotationWriter(DirectorySource source) {
    this.source = source;
  }

  @Override
  public Map<String, String> currentAnnotations(ServiceRef service) throws ServiceNotFoundException {
    source.rescanNow();
    return source.inventory().services().stream()
        .filter(s -> s.ref().equals(service))
        .findFirst()
        .orElseThrow(() -> new ServiceNotFoundException(service))
        .annotations();
  }

  @Override
  public void replaceMirrorAnnotations(ServiceRef service, Map<String, String> mirrorAnnotations)
      throws ServiceNotFoundException, IOException {
    Path file = source.fileOf(service).orElseThrow(() -> new ServiceNotFoundException(service));
    String updated = editor.replaceMirrorAnnotations(Files.readString(file), service, mirrorAnnotations)
        .orElseThrow(() -> new ServiceNotFoundException(service));
    // Atomic replace, so the poller never reads half a file.
    Path temporary = file.resolveSibling("." + file.getFileName() + ".shadow-mirroring.tmp");
    Files.writeString(temporary, updated);
    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    source.rescanNow();
  }
}
