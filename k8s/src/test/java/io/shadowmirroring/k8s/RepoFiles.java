package io.shadowmirroring.k8s;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The deployment files under test, found from the repository root. */
final class RepoFiles {

  private RepoFiles() {
  }

  /** Set by Surefire (see k8s/pom.xml); falls back to the module's parent for IDE runs. */
  static Path root() {
    return Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
  }

  static Path manifests() {
    return root().resolve("k8s/manifests");
  }

  static Path manifest(String fileName) {
    return manifests().resolve(fileName);
  }

  static Path chart() {
    return root().resolve("k8s/helm/shadow-mirroring");
  }

  static Path envoyConfig(String fileName) {
    return root().resolve("envoy-configs").resolve(fileName);
  }

  static List<Path> manifestFiles() {
    try (Stream<Path> files = Files.list(manifests())) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
