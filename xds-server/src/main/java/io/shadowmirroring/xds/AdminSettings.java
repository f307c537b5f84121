package io.shadowmirroring.xds;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The admin API's port and access.
 *
 * @param port 0 picks a free port; -1 turns the admin API off
 * @param tokenFile the bearer token for every call; without it the admin port stays on loopback
 * @param readOnlyTokenFile a second token that may only read
 */
public record AdminSettings(String address, int port, Optional<Path> tokenFile, Optional<Path> readOnlyTokenFile) {

  public static AdminSettings loopback(int port) {
    return new AdminSettings("127.0.0.1", port, Optional.empty(), Optional.empty());
  }

  public static AdminSettings disabled() {
    return new AdminSettings("127.0.0.1", -1, Optional.empty(), Optional.empty());
  }

  public boolean enabled() {
    return port >= 0;
  }
}
