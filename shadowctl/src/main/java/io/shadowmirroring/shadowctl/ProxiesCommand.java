package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.ListProxiesRequest;
import io.shadowmirroring.api.admin.v1.ListProxiesResponse;
import picocli.CommandLine.Command;

@Command(name = "proxies",
    description = "List connected proxies with the config versions they acked or rejected (ListProxies).")
final class ProxiesCommand extends AdminCommand {
  @Override
  void run(AdminClient client, OutputFormat format) {
    ListProxiesResponse response = client.call(stub -> stub.listProxies(ListProxiesRequest.getDefaultInstance()));
    if (format == OutputFormat.TABLE && response.getProxiesCount() == 0) {
      err().println("No proxies connected.");
      return;
    }
    out().print(format.render(response, () -> Formats.proxiesTable(response)));
  }
}
