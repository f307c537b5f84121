package io.shadowmirroring.demo;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;

/** Entry point: {@code java -jar demo-app.jar}, configured only through the environment. */
public final class Main {

  /** Distinct from 1 so that a crash loop caused by bad settings is recognisable by its exit code. */
  static final int EXIT_BAD_CONFIG = 2;
  static final int EXIT_CANNOT_LISTEN = 1;
  /** Well inside Kubernetes' default 30 s termination grace period. */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);

  private Main() {
  }

  public static void main(String[] args) {
    PrintStream out = System.out;
    try {
      DemoServer server = DemoServer.start(AppConfig.fromEnv(System.getenv()), out::println);
      // Kubernetes sends SIGTERM; let in-flight requests finish instead of cutting them off.
      Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop(SHUTDOWN_GRACE), "shutdown"));
    } catch (AppConfig.InvalidConfigException e) {
      System.err.println("demo-app: invalid configuration: " + e.getMessage());
      System.exit(EXIT_BAD_CONFIG);
    } catch (UncheckedIOException e) {
      System.err.println("demo-app: " + e.getMessage());
      System.exit(EXIT_CANNOT_LISTEN);
    }
  }
}
