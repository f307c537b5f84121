package io.shadowmirroring.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** How to start a server under test as a process: this project's xds-server, or the java-control-plane baseline. */
public enum ServerKind {
  OURS("ours"), BASELINE("baseline");

  private final String label;

  ServerKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The JVM's arguments after the options: jar or class path, main class, flags. */
  List<String> arguments(String source, int xdsPort, Path serverJar, List<String> extra) throws IOException {
    List<String> args = new ArrayList<>();
    if (this == OURS) {
      // The shaded jar users run; the harness's own class path (which holds the same classes) if it was not built.
      if (Files.isRegularFile(serverJar)) {
        args.addAll(List.of("-jar", serverJar.toString()));
      } else {
        args.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.shadowmirroring.xds.Main"));
      }
      args.addAll(List.of("--source", source, "--xds-address", "127.0.0.1", "--xds-port", Integer.toString(xdsPort),
          "--metrics-address", "127.0.0.1", "--metrics-port", Integer.toString(ServerProcess.freePort()),
          "--admin-port", Integer.toString(ServerProcess.freePort()),
          // Nothing to drain from behind a Service here: SIGTERM stops it at once instead of after 5 s unready.
          "--shutdown-delay", "0s"));
      args.addAll(extra);
    } else {
      args.addAll(List.of("-cp", System.getProperty("java.class.path"), BaselineServer.class.getName(),
          "--source", source, "--xds-port", Integer.toString(xdsPort)));
    }
    return args;
  }
}
