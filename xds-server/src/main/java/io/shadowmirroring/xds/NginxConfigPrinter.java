package io.shadowmirroring.xds;

import io.shadowmirroring.xds.model.ConfigProblem;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.translate.nginx.NginxConfigRenderer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code --print-nginx-config}: the seed's Method 3 for a directory, as a whole nginx.conf (an empty
 * {@code events {}} and the rendered {@code http {}}). nginx/nginx.conf is this output for the bundled example.
 */
final class NginxConfigPrinter {
  static final String COMMAND = "java -jar xds-server/target/xds-server.jar --source examples/shadow-demo"
      + " --print-nginx-config > nginx/nginx.conf";

  private NginxConfigPrinter() {}

  /** @throws io.shadowmirroring.xds.translate.nginx.NginxRefusedException when nginx cannot express a mirror */
  static String render(Path directory, int listenerPort, PrintStream problems) throws IOException {
    ModelBuild build;
    try (DirectorySource source = new DirectorySource(directory, Duration.ofSeconds(1))) {
      source.start(() -> { });
      source.fileErrors().forEach(problems::println);
      build = new MeshModelBuilder().build(source.inventory());
    }
    build.problems().stream().map(ConfigProblem::message).forEach(problems::println);
    String http = new NginxConfigRenderer().render(build.model(), Integer.toString(listenerPort));
    return "# nginx config with the mirrors shadow-mirroring serves Envoy for " + directory.getFileName()
        + " (the seed's Method 3,\n"
        + "# the NGINX mirror directive). Generated, do not edit; regenerate with:\n"
        + "#   " + COMMAND + "\n"
        + "# Run it with: nginx -c \"$PWD/nginx/nginx.conf\" (as root: it uses nginx's default log and temp paths)\n"
        + "events {}\n\n"
        + http;
  }
}
