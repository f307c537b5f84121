package io.shadowmirroring.shadowctl;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The shape shared by the commands that change one Service's mirror: its name, and --wait. */
abstract class ServiceChangeCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "NS/SVC", converter = ServiceRef.Converter.class,
      description = "The primary Service, as NAMESPACE/SERVICE.")
  ServiceRef service;

  @Option(names = "--wait", description = "Answer only once the change is served.")
  boolean await;
}
