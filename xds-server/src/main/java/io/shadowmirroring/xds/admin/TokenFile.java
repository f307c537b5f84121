package io.shadowmirroring.xds.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;

/**
 * A bearer token kept in a file (a mounted Secret), re-read when the file changes so that a rotated
 * token takes effect without a restart.
 */
public final class TokenFile {
  private final Path path;
  private FileTime readAt;
  private byte[] tokenHash;

  /**
   * Keeps only the token's hash, so a heap dump or a debugger shows no token.
   *
   * @throws IOException with a one-line reason when the file is missing, unreadable or empty
   */
  public TokenFile(Path path) throws IOException {
    this.path = path;
    reload();
  }

  public Path path() {
    return path;
  }

  /**
   * Compares in constant time, so that how long a refusal takes says nothing about the token: both sides
   * are hashed first (SHA-256), so the compared arrays always have the same length and the time does not
   * depend on the presented token's length or on how many of its bytes are right, and
   * {@link MessageDigest#isEqual} looks at every byte whatever it finds.
   */
  public synchronized boolean matches(String presented) {
    try {
      if (!Files.getLastModifiedTime(path).equals(readAt)) {
        reload();
      }
    } catch (IOException e) {
      // Keep the last good token: a Secret being swapped must not lock everyone out.
    }
    return MessageDigest.isEqual(tokenHash, sha256(presented));
  }

  private void reload() throws IOException {
    FileTime modified = Files.getLastModifiedTime(path);
    String text = Files.readString(path).trim();
    if (text.isEmpty()) {
      throw new IOException("token file " + path + " is empty");
    }
    tokenHash = sha256(text);
    readAt = modified;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
