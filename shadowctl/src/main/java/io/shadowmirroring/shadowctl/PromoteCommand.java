package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "promote", description = "Send live traffic to one of the mirror's targets instead of the primary (Promote).")
final class PromoteCommand extends ServiceChangeCommand {
  @Parameters(index = "1", paramLabel = "TARGET", description = "A target of the mirror, as written in its targets.")
  String target;

  @Override
  void run(AdminClient client, OutputFormat format) {
    MirrorChange change = client.call(stub -> stub.promote(PromoteRequest.newBuilder()
        .setService(service.toProto()).setTarget(target.strip()).setWait(await).build()));
    out().print(format.render(change, () -> Formats.change(service, change, false)));
  }
}
