package io.shadowmirroring.shadowctl;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code shadowctl}: the top command. It holds the global options (inherited by every subcommand,
 * so they may come before or after its name) and maps every outcome to an exit code: 0 done,
 * 1 the server refused, failed or was unreachable, 2 the command line is wrong.
 */
@Command(
    name = "shadowctl",
    versionProvider = Main.Version.class,
    sortOptions = false,
    description = {
        "Reads and changes the mirrors (shadow deployments) of a shadow-mirroring control plane through its "
            + "admin gRPC API.",
        ""},
    commandListHeading = "%nCommands:%n",
    subcommands = {
        MirrorsCommand.class, GetCommand.class, SetCommand.class, DeleteCommand.class, PromoteCommand.class,
        RollbackCommand.class, CompareCommand.class, ProxiesCommand.class, ConfigDumpCommand.class, WatchCommand.class,
        HelpCommand.class},
    footerHeading = "%nExit codes:%n",
    footer = {
        "  0  done",
        "  1  the server refused or failed, or could not be reached",
        "  2  the command line is wrong (nothing was sent)",
        "",
        "Environment:",
        "  SHADOWCTL_ADMIN  admin address used when --admin is not given",
        "  SHADOWCTL_JAR    the jar that bin/shadowctl runs, instead of the one built"})
public final class Main implements Callable<Integer> {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILURE = 1;
  static final int EXIT_USAGE = 2;

  static final String ENV_ADMIN = "SHADOWCTL_ADMIN";
  static final String DEFAULT_ADMIN = "127.0.0.1:18001";

  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Option(names = "--admin", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
      description = "Admin API address (default: $" + ENV_ADMIN + ", else " + DEFAULT_ADMIN + ").")
  String admin;

  @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Send 'authorization: Bearer <token>' on every call; the token is the file's content, trimmed.")
  Path tokenFile;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
      converter = OutputFormat.Converter.class,
      description = "table (default), json or yaml.")
  OutputFormat output = OutputFormat.TABLE;

  @Option(names = "--tls", scope = ScopeType.INHERIT,
      description = "Connect with TLS, trusting the JVM's CAs unless --ca-file is given.")
  boolean tls;

  @Option(names = "--ca-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "PEM CA bundle that signs the admin port's certificate; implies --tls.")
  Path caFile;

  @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, defaultValue = "60s",
      converter = Durations.Converter.class,
      description = "Deadline of each call, e.g. 500ms, 30s, 2m (default: ${DEFAULT-VALUE}), waiting included while "
          + "the server is not ready yet; watch has none once it has started.")
  Duration timeout;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
  boolean version;

  Main(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  public static void main(String[] args) {
    // grpc logs transport and name-resolution trouble through java.util.logging, stack traces
    // included, on top of the one line this CLI prints for the same failure. The process is ours,
    // so its logging is switched off here (and only here: run() leaves an embedding JVM alone).
    LogManager.getLogManager().reset();
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /** The whole CLI, with its streams and environment passed in, for tests and embedding. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
    PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
    CommandLine cli = new CommandLine(new Main(env))
        .setOut(outWriter)
        .setErr(errWriter)
        .setParameterExceptionHandler(Main::usageError)
        .setExecutionExceptionHandler(Main::executionError);
    try {
      return cli.execute(args);
    } finally {
      outWriter.flush();
      errWriter.flush();
    }
  }

  /** {@code shadowctl} alone: a usage error, like any other missing argument. */
  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing a command");
  }

  OutputFormat output() {
    return output;
  }

  /**
   * The global options resolved into what the connection needs. Read files here, before
   * connecting, so that a bad file is a usage error (exit 2) rather than a failed call.
   */
  ConnectionSettings connectionSettings() {
    String address = admin;
    if (address == null) {
      String fromEnv = env.get(ENV_ADMIN);
      address = fromEnv == null || fromEnv.isBlank() ? DEFAULT_ADMIN : fromEnv.strip();
    }
    Optional<String> token = Optional.ofNullable(tokenFile).map(Main::readToken);
    if (caFile != null && !Files.isReadable(caFile)) {
      throw CliException.usage("cannot read --ca-file " + caFile + ": "
          + (Files.exists(caFile) ? "permission denied" : "no such file"));
    }
    return new ConnectionSettings(AdminAddress.parse(address), token, tls || caFile != null,
        Optional.ofNullable(caFile), timeout);
  }

  private static String readToken(Path file) {
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw CliException.usage("cannot read --token-file " + file + ": " + describe(e));
    }
    if (token.isEmpty()) {
      throw CliException.usage("--token-file " + file + " is empty");
    }
    // A header value must be printable ASCII; say so instead of failing inside grpc.
    if (!token.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw CliException.usage("--token-file " + file + " must hold one line of printable ASCII");
    }
    return token;
  }

  private static int usageError(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    PrintWriter err = cmd.getErr();
    // A converter's own message says what was expected; picocli's wrapper only adds which argument.
    String message = ex.getCause() instanceof TypeConversionException conversion
        ? conversion.getMessage()
        : ex.getMessage();
    err.println("shadowctl: " + oneLine(message));
    UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
    return EXIT_USAGE;
  }

  private static int executionError(Exception ex, CommandLine cmd, ParseResult parsed) {
    if (ex instanceof CliException failure) {
      cmd.getErr().println("shadowctl: " + failure.getMessage());
      return failure.exitCode();
    }
    // A bug of ours: still one line, never a stack trace.
    cmd.getErr().println("shadowctl: internal error: " + ex.getClass().getName() + ": " + oneLine(ex.getMessage()));
    return EXIT_FAILURE;
  }

  /** What went wrong with a file, in words rather than an exception's class name. */
  static String describe(Throwable e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    String message = oneLine(e.getMessage());
    return message.isEmpty() ? e.getClass().getSimpleName() : message;
  }

  /** Server texts and file errors can span lines; every message here is one. */
  static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("\\s*\\R\\s*", " ").strip();
  }

  /** The jar's Implementation-Version, written by the shade plugin's manifest transformer. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"shadowctl " + (version == null ? "(development build)" : version)};
    }
  }
}
