package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * WatchMirrors: prints each event as it arrives until the server ends the stream or the user
 * presses Ctrl-C. Every format is line- or document-delimited so a pipe can consume it live.
 */
@Command(name = "watch", description = {
    "Follow mirror changes as they happen, until interrupted (WatchMirrors).",
    "One line per event; -o json writes one JSON document per line, -o yaml '---'-separated documents."})
final class WatchCommand extends AdminCommand {
  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only this namespace (default: all).")
  String namespace = "";

  @Override
  void run(AdminClient client, OutputFormat format) {
    client.stream(stub -> stub.watchMirrors(WatchMirrorsRequest.newBuilder().setNamespace(namespace).build()),
        event -> {
          out().print(switch (format) {
            case TABLE -> Formats.eventLine(event);
            case JSON -> Formats.jsonLine(event);
            case YAML -> "---\n" + Formats.yaml(event);
          });
          out().flush();
        });
  }
}
