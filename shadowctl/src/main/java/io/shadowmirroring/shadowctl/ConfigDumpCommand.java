package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.ConfigDump;
import io.shadowmirroring.api.admin.v1.GetConfigDumpRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * GetConfigDump. The answer already is JSON (in the style of Envoy's /config_dump), so table and
 * json print it untouched, and yaml converts that document, not the wrapper message around it.
 */
@Command(name = "config-dump", description = "Print what the server sends one proxy, as JSON like Envoy's /config_dump (GetConfigDump).")
final class ConfigDumpCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "NODE", description = "The proxy's node id, as listed by 'shadowctl proxies'.")
  String node;

  @Override
  void run(AdminClient client, OutputFormat format) {
    ConfigDump dump = client.call(stub -> stub.getConfigDump(GetConfigDumpRequest.newBuilder().setNodeId(node).build()));
    String json = dump.getJson();
    if (format == OutputFormat.YAML) {
      out().print(Formats.jsonToYaml(json));
    } else {
      out().print(json.endsWith("\n") ? json : json + "\n");
    }
  }
}
