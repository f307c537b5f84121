package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rollback", description = "Undo a promotion: live traffic goes back to the primary (Rollback).")
final class RollbackCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "NS/SVC", converter = ServiceRef.Converter.class,
      description = "The primary Service, as NAMESPACE/SERVICE.")
  ServiceRef service;

  @Option(names = "--wait", description = "Answer only once the change is served.")
  boolean await;

  @Override
  void run(AdminClient client, OutputFormat format) {
    MirrorChange change = client.call(stub -> stub.rollback(
        RollbackRequest.newBuilder().setService(service.toProto()).setWait(await).build()));
    out().print(format.render(change, () -> Formats.change(service, change, false)));
  }
}
