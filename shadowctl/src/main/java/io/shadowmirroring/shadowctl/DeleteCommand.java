package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.DeleteMirrorRequest;
import io.shadowmirroring.api.admin.v1.MirrorChange;
import picocli.CommandLine.Command;

@Command(name = "delete", description = "Remove the mirror of a Service: its annotations go (DeleteMirror).")
final class DeleteCommand extends ServiceChangeCommand {
  @Override
  void run(AdminClient client, OutputFormat format) {
    MirrorChange change = client.call(stub -> stub.deleteMirror(
        DeleteMirrorRequest.newBuilder().setService(service.toProto()).setWait(await).build()));
    out().print(format.render(change, () -> Formats.change(service, change, true)));
  }
}
