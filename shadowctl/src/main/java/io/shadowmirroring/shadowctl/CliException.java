package io.shadowmirroring.shadowctl;

/**
 * A failure that ends the command with a one-line message on stderr and a given exit code.
 * Everything the user can get wrong or the server can refuse ends up as one of these, so that
 * {@link Main} never has to print a stack trace.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  private CliException(int exitCode, String message, Throwable cause) {
    super(message, cause, false, false);
    this.exitCode = exitCode;
  }

  /** The command line itself is wrong (exit 2): the server was not asked. */
  static CliException usage(String message) {
    return new CliException(Main.EXIT_USAGE, message, null);
  }

  /** The server refused, failed or could not be reached (exit 1). */
  static CliException failure(String message, Throwable cause) {
    return new CliException(Main.EXIT_FAILURE, message, cause);
  }

  int exitCode() {
    return exitCode;
  }
}
