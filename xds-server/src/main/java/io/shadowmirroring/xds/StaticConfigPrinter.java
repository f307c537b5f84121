package io.shadowmirroring.xds;

import io.shadowmirroring.xds.model.ConfigProblem;
import io.shadowmirroring.xds.model.Exposure;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.StaticEnvoyConfig;
import io.shadowmirroring.xds.translate.XdsYaml;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code --print-static-config}: what the server would serve an Envoy node for a directory, as one
 * static bootstrap. envoy-configs/static-envoy.yaml is this output for the bundled example.
 */
final class StaticConfigPrinter {
  static final String COMMAND = "java -jar xds-server/target/xds-server.jar --source examples/shadow-demo"
      + " --print-static-config > envoy-configs/static-envoy.yaml";

  private StaticConfigPrinter() {}

  static String render(Path directory, int listenerPort, PrintStream problems) throws IOException {
    return render(directory, listenerPort, Exposure.ALL, problems);
  }

  static String render(Path directory, int listenerPort, Exposure exposure, PrintStream problems) throws IOException {
    ModelBuild build;
    try (DirectorySource source = new DirectorySource(directory, Duration.ofSeconds(1))) {
      source.start(() -> { });
      source.fileErrors().forEach(problems::println);
      build = new MeshModelBuilder(exposure).build(source.inventory());
    }
    build.problems().stream().map(ConfigProblem::message).forEach(problems::println);
    var resources = new MeshTranslator().translate(build.model(), ProxyProfile.envoy(listenerPort));
    return "# Envoy config equivalent to what shadow-mirroring serves for " + directory.getFileName() + ",\n"
        + "# for running Envoy without a control plane. Generated, do not edit; regenerate with:\n"
        + "#   " + COMMAND + "\n"
        + "# Run it with: envoy -c envoy-configs/static-envoy.yaml\n"
        + "# Its stats go every 5 s to a shadow-mirroring server on 127.0.0.1:18000 (xds_cluster), if one runs there.\n"
        + XdsYaml.toYamlDocument(StaticEnvoyConfig.bootstrap(resources));
  }
}
