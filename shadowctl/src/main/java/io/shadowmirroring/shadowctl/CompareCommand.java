package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.CompareRequest;
import io.shadowmirroring.api.admin.v1.Comparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "compare",
    description = "Compare each shadow of a Service with production: verdict, metrics, thresholds (Compare).")
final class CompareCommand extends AdminCommand {
  @Parameters(index = "0", paramLabel = "NS/SVC", converter = ServiceRef.Converter.class,
      description = "The primary Service, as NAMESPACE/SERVICE.")
  ServiceRef service;

  @Override
  void run(AdminClient client, OutputFormat format) {
    Comparison comparison = client.call(stub -> stub.compare(
        CompareRequest.newBuilder().setService(service.toProto()).build()));
    if (format == OutputFormat.TABLE && comparison.getTargetsCount() == 0) {
      // On stderr, as for an empty list: stdout stays empty for scripts.
      err().println("No comparison for " + service + " yet: no target has been judged.");
      return;
    }
    out().print(format.render(comparison, () -> Formats.comparison(comparison)));
  }
}
