package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * SetMirror. The spec is sent as typed: targets in the annotation's syntax, the percentage as a
 * string. The server parses and validates them exactly as it does annotations, so there is one
 * set of rules and one wording of its errors, not a second copy here that could drift.
 */
@Command(name = "set",
    description = {
        "Create or replace the mirror of a Service (SetMirror).",
        "The whole spec is replaced: options left out go back to their defaults."})
final class SetCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "NS/SVC", converter = ServiceRef.Converter.class,
      description = "The primary Service, as NAMESPACE/SERVICE.")
  ServiceRef service;

  @Option(names = "--to", required = true, split = ",", paramLabel = "TARGET",
      description = "Targets, each [namespace/]service[:port][=percent]; comma-separated or repeated.")
  List<String> targets = new ArrayList<>();

  @Option(names = "--percent", paramLabel = "P",
      description = "Share of eligible requests copied, 0 to 100 (server default: 100).")
  String percent = "";

  @Option(names = "--methods", split = ",", paramLabel = "M",
      description = "HTTP methods to copy, comma-separated, or * (server default: GET,HEAD,OPTIONS).")
  List<String> methods = new ArrayList<>();

  @Option(names = "--keep-host", description = "Keep the Host header of copies unchanged.")
  boolean keepHost;

  @Option(names = "--promote", paramLabel = "TARGET",
      description = "Send live traffic to this target instead of the primary.")
  String promote = "";

  @Option(names = "--wait", description = "Answer only once the change is served.")
  boolean await;

  @Override
  void run(AdminClient client, OutputFormat format) {
    MirrorSpec spec = MirrorSpec.newBuilder()
        .setService(service.toProto())
        .addAllTargets(trimmed(targets))
        .setPercentage(percent.strip())
        .addAllMethods(trimmed(methods))
        .setKeepHost(keepHost)
        .setPromote(promote.strip())
        .build();
    MirrorChange change = client.call(stub -> stub.setMirror(
        SetMirrorRequest.newBuilder().setSpec(spec).setWait(await).build()));
    out().print(format.render(change, () -> Formats.change(service, change, false)));
  }

  /** "a, b" split on the comma leaves " b": the space is the shell's, not part of the name. */
  private static List<String> trimmed(List<String> values) {
    return values.stream().map(String::strip).toList();
  }
}
