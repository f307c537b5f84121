package io.shadowmirroring.shadowctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files under src/test/resources/golden: {@code <case>.out} and {@code <case>.err}, a
 * missing file meaning "empty". Read from the source tree, not the test classpath, so that
 * {@code -Dgolden.update=true} rewrites the files a reviewer sees in the diff.
 */
final class Golden {
  static final Path DIR = Path.of("src/test/resources/golden");
  static final boolean UPDATE = Boolean.getBoolean("golden.update");

  private Golden() {}

  static void check(String name, String stream, String actual) {
    Path file = DIR.resolve(name + "." + stream);
    try {
      if (UPDATE) {
        Files.createDirectories(DIR);
        if (actual.isEmpty()) {
          Files.deleteIfExists(file);
        } else {
          Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        return;
      }
      String expected = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
      assertThat(actual)
          .as("%s of '%s' (golden file %s; regenerate with -Dgolden.update=true)", stream, name, file)
          .isEqualTo(expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String read(String name, String stream) {
    try {
      return Files.readString(DIR.resolve(name + "." + stream), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
