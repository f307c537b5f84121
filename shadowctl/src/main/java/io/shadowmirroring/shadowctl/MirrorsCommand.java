package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "mirrors", description = "List mirrors with their state and served config version (ListMirrors).")
final class MirrorsCommand extends AdminCommand {
  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only this namespace (default: all).")
  String namespace = "";

  @Override
  void run(AdminClient client, OutputFormat format) {
    ListMirrorsResponse response =
        client.call(stub -> stub.listMirrors(ListMirrorsRequest.newBuilder().setNamespace(namespace).build()));
    if (format == OutputFormat.TABLE && response.getMirrorsCount() == 0) {
      // On stderr, as kubectl does: stdout stays empty for a script that counts lines.
      err().println(namespace.isEmpty() ? "No mirrors." : "No mirrors in namespace " + namespace + ".");
      return;
    }
    out().print(format.render(response, () -> Formats.mirrorsTable(response)));
    if (format == OutputFormat.TABLE) {
      out().flush();
      err().print(Formats.notices(response.getMirrorsList()));
    }
  }
}
