package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "promote", description = "Send live traffic to one of the mirror's targets instead of the primary (Promote).")
final class PromoteCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "NS/SVC", converter = ServiceRef.Converter.class,
      description = "The primary Service, as NAMESPACE/SERVICE.")
  ServiceRef service;

  @Parameters(index = "1", paramLabel = "TARGET", description = "A target of the mirror, as written in its targets.")
  String target;

  @Option(names = "--wait", description = "Answer only once the change is served.")
  boolean await;

  @Override
  void run(AdminClient client, OutputFormat format) {
    MirrorChange change = client.call(stub -> stub.promote(PromoteRequest.newBuilder()
        .setService(service.toProto()).setTarget(target.strip()).setWait(await).build()));
    out().print(format.render(change, () -> Formats.change(service, change, false)));
  }
}
