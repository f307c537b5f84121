package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.GetMirrorRequest;
import io.shadowmirroring.api.admin.v1.Mirror;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "Show one mirror, with the annotations it is defined by (GetMirror).")
final class GetCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "NS/SVC", converter = ServiceRef.Converter.class,
      description = "The primary Service, as NAMESPACE/SERVICE.")
  ServiceRef service;

  @Override
  void run(AdminClient client, OutputFormat format) {
    Mirror mirror = client.call(stub -> stub.getMirror(
        GetMirrorRequest.newBuilder().setService(service.toProto()).build()));
    out().print(format.render(mirror, () -> Formats.mirrorDetails(mirror)));
  }
}
