package io.shadowmirroring.shadowctl;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What every subcommand shares: the global options of {@link Main}, one client, and the output. */
abstract class AdminCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Spec CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Override
  public final Integer call() {
    ConnectionSettings settings = main.connectionSettings();
    try (AdminClient client = AdminClient.connect(settings, err())) {
      run(client, main.output());
    } finally {
      out().flush();
      err().flush();
    }
    return Main.EXIT_OK;
  }

  /** Makes the call(s) and prints the answer; failures are thrown as {@link CliException}. */
  abstract void run(AdminClient client, OutputFormat format);

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
