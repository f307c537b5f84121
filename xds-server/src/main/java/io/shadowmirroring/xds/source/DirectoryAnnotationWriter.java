package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServiceRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Rewrites the annotations in the YAML file that holds the Service, keeping its other documents and
 * comments; the directory's own polling then serves the change like any other edit.
 *
 * <p>The version of a read is the SHA-256 of the file's bytes. A write first checks that the file still
 * has those bytes (someone with an editor, or another replica on the same directory, may have saved it
 * since), then writes the new text to a temporary file in the same directory, forces it to disk, and
 * renames it over the file in one atomic step, then forces the directory: a crash at any moment leaves
 * either the old file or the new one, never a half-written or missing one. The temporary names start
 * with a dot and end in {@code .tmp}, which the source never reads.
 */
final class DirectoryAnnotationWriter implements AnnotationWriter {
  /** Temporary files of this writer: {@code .<file>.<pid>-<n>.shadow-mirroring.tmp}. */
  static final String TEMPORARY_SUFFIX = ".shadow-mirroring.tmp";

  private final DirectorySource source;
  private final YamlAnnotationEditor editor = new YamlAnnotationEditor();
  private final YamlManifests manifests = new YamlManifests();
  private final AtomicLong temporaryNumbers = new AtomicLong();

  DirectoryAnnotationWriter(DirectorySource source) {
    this.source = source;
  }

  @Override
  public Stored read(ServiceRef service) throws ServiceNotFoundException, IOException {
    source.rescanNow();
    Path file = source.fileOf(service).orElseThrow(() -> new ServiceNotFoundException(service));
    byte[] bytes = Files.readAllBytes(file);
    ServiceInput found = parse(file, bytes).services().stream()
        .filter(s -> s.ref().equals(service))
        .findFirst()
        // Moved to another file since the scan: the next read finds it there.
        .orElseThrow(() -> new IOException("service " + service + " is no longer in " + file.getFileName()
            + " (the file changed while it was read); try again"));
    return new Stored(found.annotations(), DirectorySource.sha256(bytes));
  }

  private YamlManifests.Contents parse(Path file, byte[] bytes) throws IOException {
    try {
      String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
      return manifests.parse(text);
    } catch (CharacterCodingException e) {
      throw new IOException(file.getFileName() + ": cannot read: not UTF-8");
    } catch (YamlManifests.ManifestException e) {
      throw new IOException(file.getFileName() + ": " + e.getMessage());
    }
  }

  @Override
  public void replaceMirrorAnnotations(ServiceRef service, Stored base, Map<String, String> mirrorAnnotations)
      throws ServiceNotFoundException, ConflictException, IOException {
    Path file = source.fileOf(service).orElseThrow(() -> new ServiceNotFoundException(service));
    // One writer of this process at a time per directory: the check and the rename below must not
    // interleave with our own other writes. Other processes are caught by the content check.
    synchronized (source) {
      byte[] now = Files.readAllBytes(file);
      if (!DirectorySource.sha256(now).equals(base.version())) {
        throw new ConflictException(file.getFileName() + " changed since it was read");
      }
      String updated = editor.replaceMirrorAnnotations(new String(now, StandardCharsets.UTF_8), service,
          mirrorAnnotations).orElseThrow(() -> new ServiceNotFoundException(service));
      replaceAtomically(file, updated.getBytes(StandardCharsets.UTF_8));
    }
    source.rescanNow();
  }

  private void replaceAtomically(Path file, byte[] content) throws IOException {
    Path temporary = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + "-"
        + temporaryNumbers.incrementAndGet() + TEMPORARY_SUFFIX);
    try {
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        // The bytes must be on disk before the rename makes them the file, or a crash could leave
        // the new name pointing at an empty or partial file.
        channel.force(true);
      }
      Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot replace " + file.getFileName() + " atomically on this filesystem: " + e.getMessage());
    } finally {
      Files.deleteIfExists(temporary);
    }
    forceDirectory(file.toAbsolutePath().getParent());
  }

  // The rename lives in the directory: force it too, so that after a crash the file is the new one.
  // Not every platform can open a directory for this; there the rename is still atomic, only its
  // durability is up to the filesystem.
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Best effort, see above.
    }
  }
}
