package io.shadowmirroring.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The fixture as YAML files, {@value #PER_FILE} Services (and their slices) a file, so that an edit
 * rewrites one small file, as a user editing manifests would. Files are replaced atomically (a hidden
 * temporary file moved over the old one): the directory source never sees half a file.
 */
public final class DirectoryFeed implements InputFeed {
  static final int PER_FILE = 50;

  private final Path directory;
  private final MeshFixture fixture;

  public DirectoryFeed(Path directory, MeshFixture fixture) {
    this.directory = directory;
    this.fixture = fixture;
  }

  @Override
  public void publishAll() throws IOException {
    Files.createDirectories(directory);
    for (int chunk = 0; chunk * PER_FILE < fixture.services(); chunk++) {
      writeChunk(chunk);
    }
  }

  @Override
  public void updateService(int i) throws IOException {
    writeChunk(i / PER_FILE);
  }

  @Override
  public void updateSlice(int i) throws IOException {
    writeChunk(i / PER_FILE);
  }

  private void writeChunk(int chunk) throws IOException {
    StringBuilder text = new StringBuilder();
    for (int i = chunk * PER_FILE; i < Math.min(fixture.services(), (chunk + 1) * PER_FILE); i++) {
      text.append(text.length() == 0 ? "" : "---\n").append(fixture.yaml(i));
    }
    String name = String.format("services-%04d.yaml", chunk);
    Path temporary = directory.resolve("." + name + ".tmp");
    Files.writeString(temporary, text);
    Files.move(temporary, directory.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public String sourceArgument() {
    return directory.toString();
  }

  @Override
  public List<String> environment() {
    return List.of();
  }

  @Override
  public void close() {
  }
}
