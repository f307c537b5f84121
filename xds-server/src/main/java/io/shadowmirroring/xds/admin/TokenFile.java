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
  private byte[] token;

  /** @throws IOException with a one-line reason when the file is missing, unreadable or empty */
  public TokenFile(Path path) throws IOException {
    this.path = path;
    reload();
  }

  public Path path() {
    return path;
  }

  /** Compares in constant time, so the comparison leaks nothing about the token. */
  public synchronized boolean matches(String presented) {
    try {
      if (!Files.getLastModifiedTime(path).equals(readAt)) {
        reload();
      }
    } catch (IOException e) {
      // Keep the last good token: a Secret being swapped must not lock everyone out.
    }
    return MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
  }

  private void reload() throws IOException {
    FileTime modified = Files.getLastModifiedTime(path);
    String text = Files.readString(path).trim();
    if (text.isEmpty()) {
      throw new IOException("token file " + path + " is empty");
    }
    token = text.getBytes(StandardCharsets.UTF_8);
    readAt = modified;
  }
}
