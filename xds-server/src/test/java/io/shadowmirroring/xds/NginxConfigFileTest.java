package io.shadowmirroring.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.testing.Manifests;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nginx/nginx.conf is {@code --print-nginx-config} for the bundled example, never written by hand; this
 * keeps it in sync (regenerate with -Dgolden.update=true) and checks the flag's errors.
 */
class NginxConfigFileTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path EXAMPLE = ROOT.resolve("examples/shadow-demo");
  private static final Path NGINX_CONFIG = ROOT.resolve("nginx/nginx.conf");

  @TempDir Path directory;

  @Test
  @DisplayName("nginx/nginx.conf equals --print-nginx-config for examples/shadow-demo")
  void theRepositoryFileIsInSync() throws Exception {
    Output output = run("--source", EXAMPLE.toString(), "--print-nginx-config");
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(NGINX_CONFIG.getParent());
      Files.writeString(NGINX_CONFIG, output.out());
    }

    assertThat(output.code()).isZero();
    assertThat(output.err()).as("the example has no invalid annotations").isEmpty();
    assertThat(Files.readString(NGINX_CONFIG)).as("regenerate with: " + NginxConfigPrinter.COMMAND)
        .isEqualTo(output.out());
  }

  @Test
  void theFileIsWholeAndNamesTheCommandThatMadeIt() throws Exception {
    String config = Files.readString(NGINX_CONFIG);

    assertThat(config).contains(NginxConfigPrinter.COMMAND, "\nevents {}\n", "\nhttp {\n",
        "listen 10000;", "mirror /_shadow-mirroring/mirror/shadow-demo_app-shadow-service_80;",
        "server 127.0.0.1:8081;", "server 127.0.0.1:8082;");
  }

  @Test
  void theListenerPortFlagSetsNginxsListenPort() {
    Output output = run("--source", EXAMPLE.toString(), "--print-nginx-config", "--listener-port", "8088");

    assertThat(output.out()).contains("listen 8088 default_server;", "listen 8088;").doesNotContain("listen 10000");
  }

  @Test
  void aMirrorNginxCannotExpressIsRefusedWithOneLineAndNothingPrinted() throws Exception {
    Files.writeString(directory.resolve("services.yaml"), Manifests.documents(
        Manifests.service("ns", "app", Map.of("shadow-mirroring.io/mirror-to", "shadow=12.345"), 80, "http"),
        Manifests.service("ns", "shadow", Map.of(), 80, "http")));

    Output output = run("--source", directory.toString(), "--print-nginx-config");

    assertThat(output.code()).isEqualTo(1);
    assertThat(output.out()).isEmpty();
    assertThat(output.err().lines()).containsExactly("xds-server: nginx cannot express ns/app:80 -> ns/shadow:80:"
        + " 12.345% is finer than nginx split_clients' step of 0.01%");
  }

  @Test
  void needsADirectory() {
    Output output = run("--print-nginx-config", "--source", "kubernetes");

    assertThat(output.code()).isEqualTo(2);
    assertThat(output.err().lines()).containsExactly(
        "xds-server: --print-nginx-config needs --source DIR (a directory of YAML)",
        "Run 'xds-server --help' for the flags.");
  }

  @Test
  void printsOneConfigAtATime() {
    Output output = run("--print-nginx-config", "--print-static-config", "--source", EXAMPLE.toString());

    assertThat(output.code()).isEqualTo(2);
    assertThat(output.err().lines()).containsExactly(
        "xds-server: --print-static-config and --print-nginx-config cannot be combined: choose one",
        "Run 'xds-server --help' for the flags.");
  }

  private record Output(int code, String out, String err) {}

  private static Output run(String... args) {
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(args);
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
    return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
