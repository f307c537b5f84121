package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import picocli.CommandLine.Command;

@Command(name = "rollback", description = "Undo a promotion: live traffic goes back to the primary (Rollback).")
final class RollbackCommand extends ServiceChangeCommand {
  @Override
  void run(AdminClient client, OutputFormat format) {
    MirrorChange change = client.call(stub -> stub.rollback(
        RollbackRequest.newBuilder().setService(service.toProto()).setWait(await).build()));
    out().print(format.render(change, () -> Formats.change(service, change, false)));
  }
}
