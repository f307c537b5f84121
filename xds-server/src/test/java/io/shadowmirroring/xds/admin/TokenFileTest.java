package io.shadowmirroring.xds.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The admin token comparison: only the exact token (around whitespace of the file) matches. That it takes
 * constant time is by construction (SHA-256 of both sides, {@code MessageDigest.isEqual}; see
 * {@link TokenFile#matches}), not measured here.
 */
class TokenFileTest {
  private static final String TOKEN = "s3cr3t-Token_0123456789";

  @TempDir Path directory;

  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
  @CsvSource(delimiter = '|', value = {
      "s3cr3t-Token_0123456789  | true",
      "s3cr3t-Token_0123456788  | false",   // last byte differs
      "t3cr3t-Token_0123456789  | false",   // first byte differs
      "s3cr3t-Token_012345678   | false",   // a prefix
      "s3cr3t-Token_01234567890 | false",   // one byte longer
      "S3CR3T-TOKEN_0123456789  | false",   // case matters
      "x                        | false",
      "''                       | false",   // empty
  })
  void matchesOnlyTheExactToken(String presented, boolean matches) throws IOException {
    TokenFile file = new TokenFile(Files.writeString(directory.resolve("token"), TOKEN + "\n"));

    assertThat(file.matches(presented)).isEqualTo(matches);
  }

  @Test
  void aRotatedTokenReplacesTheOldOne() throws IOException {
    Path path = Files.writeString(directory.resolve("token"), TOKEN);
    TokenFile file = new TokenFile(path);

    Files.writeString(path, "the-next-token");
    Files.setLastModifiedTime(path, FileTime.from(Instant.now().plusSeconds(5)));

    assertThat(file.matches("the-next-token")).isTrue();
    assertThat(file.matches(TOKEN)).isFalse();
  }

  @Test
  void anEmptiedFileKeepsTheLastGoodToken() throws IOException {
    Path path = Files.writeString(directory.resolve("token"), TOKEN);
    TokenFile file = new TokenFile(path);

    Files.writeString(path, "  \n");
    Files.setLastModifiedTime(path, FileTime.from(Instant.now().plusSeconds(5)));

    assertThat(file.matches(TOKEN)).isTrue();
  }

  @Test
  void anEmptyFileIsRefusedWithItsPathAndNoContent() throws IOException {
    Path path = Files.writeString(directory.resolve("token"), "\n");

    assertThatThrownBy(() -> new TokenFile(path)).hasMessage("token file " + path + " is empty");
  }
}
