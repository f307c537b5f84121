package io.shadowmirroring.xds.translate.nginx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.source.YamlManifests;
import io.shadowmirroring.xds.testing.Manifests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files: each directory under {@code src/test/resources/nginx-golden/} holds {@code in.yaml}
 * (Services and EndpointSlices, read as the directory source reads them) and {@code nginx.conf}, the
 * http block rendered for listen port 10000. Regenerate with {@code -Dgolden.update=true} and review the
 * diff; a new case needs only its {@code in.yaml}. The real nginx accepts every one of them
 * (e2e NginxMirroringE2ETest runs {@code nginx -t} on each).
 */
class NginxConfigRendererTest {
  private static final boolean UPDATE = Boolean.getBoolean("golden.update");
  static final Path ROOT = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
      .resolve("src/test/resources/nginx-golden");

  static List<String> caseNames() throws IOException {
    try (Stream<Path> dirs = Files.list(ROOT)) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  @DisplayName("in.yaml renders to the golden nginx.conf")
  void rendersTheGoldenFile(String caseName) throws Exception {
    Path dir = ROOT.resolve(caseName);
    ModelBuild build = build(Files.readString(dir.resolve("in.yaml"), StandardCharsets.UTF_8));
    String rendered = new NginxConfigRenderer().render(build.model(), "10000");
    if (UPDATE) {
      Files.writeString(dir.resolve("nginx.conf"), rendered, StandardCharsets.UTF_8);
    }

    assertThat(build.problems()).as("the case's annotations are valid").isEmpty();
    assertThat(rendered).as("%s/nginx.conf (if the change is intended, regenerate with -Dgolden.update=true)", caseName)
        .isEqualTo(Files.readString(dir.resolve("nginx.conf"), StandardCharsets.UTF_8));
  }

  @Test
  void theOrderOfTheInputDoesNotChangeTheText() throws Exception {
    String input = Files.readString(ROOT.resolve("percentages-and-namespaces/in.yaml"), StandardCharsets.UTF_8);
    List<String> documents = new java.util.ArrayList<>(List.of(input.split("(?m)^---\\n")));
    java.util.Collections.reverse(documents);

    MeshModel model = build(input).model();
    MeshModel reversed = build(String.join("---\n", documents)).model();

    assertThat(new NginxConfigRenderer().render(reversed, "10000"))
        .isEqualTo(new NginxConfigRenderer().render(model, "10000"));
  }

  static Stream<Arguments> refusals() {
    String target = Manifests.service("ns", "shadow", Map.of(), 80, "http");
    return Stream.of(
        arguments("a percentage finer than split_clients' 0.01% step",
            Manifests.documents(primary(Map.of("shadow-mirroring.io/mirror-to", "shadow=12.345"), 80, "http"), target),
            List.of("ns/app:80 -> ns/shadow:80: 12.345% is finer than nginx split_clients' step of 0.01%")),
        arguments("a mirror on a port that the host names do not reach",
            Manifests.documents(twoPortPrimary(), Manifests.service("ns", "shadow", Map.of(), 8080, "admin")),
            List.of("ns/app:8080: nginx picks a server by host name, not by the Host header's port, so only port 80"
                + " of ns/app can be mirrored or promoted")),
        arguments("a mirror of gRPC",
            Manifests.documents(primary(Map.of("shadow-mirroring.io/mirror-to", "shadow"), 50051, "grpc"),
                Manifests.service("ns", "shadow", Map.of(), 50051, "grpc")),
            List.of("ns/app:50051: HTTP/2 (gRPC, h2c) upstreams are not supported; the rendered nginx proxies and"
                + " mirrors HTTP/1.1 only")),
        arguments("two mirrors that nginx's variable names cannot tell apart",
            Manifests.documents(
                Manifests.service("a-b", "c", Map.of("shadow-mirroring.io/mirror-to", "x=50"), 80, "http"),
                Manifests.service("a-b", "x", Map.of(), 80, "http"),
                Manifests.service("a", "b-c", Map.of("shadow-mirroring.io/mirror-to", "a-b/x=50"), 80, "http")),
            List.of("a/b-c:80>a-b/x:80 and a-b/c:80>a-b/x:80: both would use the nginx variable"
                + " $sm_copy_a_b_c_80__to__a_b_x_80 ('-' is not allowed in nginx variable names)")),
        arguments("mirror-limits other than the defaults: nginx has no circuit breakers for a mirror",
            Manifests.documents(primary(Map.of("shadow-mirroring.io/mirror-to", "shadow",
                "shadow-mirroring.io/mirror-limits", "max-connections=20,max-pending-requests=10"), 80, "http"), target),
            List.of("ns/app:80: mirror-limits (max-connections=20,max-pending-requests=10,max-requests=100) needs"
                + " circuit breakers on the mirror, which nginx does not have; remove the annotation to render for"
                + " nginx")),
        arguments("every refusal at once, one line each",
            Manifests.documents(
                primary(Map.of("shadow-mirroring.io/mirror-to", "shadow=0.001,other",
                    "shadow-mirroring.io/mirror-limits", "max-requests=5"), 80, "http"), target,
                Manifests.service("ns", "other", Map.of(), 80, "http"),
                Manifests.service("ns", "rpc", Map.of("shadow-mirroring.io/mirror-to", "rpc-v2"), 9000, "grpc-api"),
                Manifests.service("ns", "rpc-v2", Map.of(), 9000, "grpc-api")),
            List.of("ns/app:80 -> ns/shadow:80: 0.001% is finer than nginx split_clients' step of 0.01%",
                "ns/app:80: mirror-limits (max-connections=100,max-pending-requests=50,max-requests=5) needs circuit"
                    + " breakers on the mirror, which nginx does not have; remove the annotation to render for nginx",
                "ns/rpc:9000: HTTP/2 (gRPC, h2c) upstreams are not supported; the rendered nginx proxies and"
                    + " mirrors HTTP/1.1 only")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  @DisplayName("what nginx cannot express is refused, naming the Service port and the reason")
  void refusesWhatNginxCannotExpress(String what, String yaml, List<String> reasons) {
    ModelBuild build = build(yaml);
    assertThat(build.problems()).as("the annotations themselves are valid").isEmpty();

    assertThatThrownBy(() -> new NginxConfigRenderer().render(build.model(), "10000"))
        .isInstanceOfSatisfying(NginxRefusedException.class, e -> {
          assertThat(e.reasons()).containsExactlyElementsOf(reasons);
          assertThat(e.getMessage()).isEqualTo("nginx cannot express " + String.join("; ", reasons))
              .doesNotContain("\n");
        });
  }

  @Test
  @DisplayName("mirror-limits written with the default values asks for nothing nginx lacks: rendered like no annotation")
  void defaultLimitsAreRendered() {
    String target = Manifests.service("ns", "shadow", Map.of(), 80, "http");
    String withDefaults = Manifests.documents(primary(Map.of("shadow-mirroring.io/mirror-to", "shadow",
        "shadow-mirroring.io/mirror-limits", "max-connections=100,max-pending-requests=50,max-requests=100"), 80,
        "http"), target);
    String without = Manifests.documents(primary(Map.of("shadow-mirroring.io/mirror-to", "shadow"), 80, "http"), target);

    assertThat(new NginxConfigRenderer().render(build(withDefaults).model(), "10000"))
        .isEqualTo(new NginxConfigRenderer().render(build(without).model(), "10000"));
  }

  @Test
  void promotingAServiceIsRoutedWithoutAnyMirror() {
    ModelBuild build = build(Manifests.documents(
        primary(Map.of("shadow-mirroring.io/mirror-to", "shadow", "shadow-mirroring.io/promote", "shadow"), 80, "http"),
        Manifests.service("ns", "shadow", Map.of(), 80, "http")));

    String rendered = new NginxConfigRenderer().render(build.model(), "127.0.0.1:8000");

    assertThat(rendered).contains("listen 127.0.0.1:8000 default_server;", "proxy_pass http://ns_shadow_80;")
        .doesNotContain("mirror ", "proxy_pass http://ns_app_80;");
  }

  private static String primary(Map<String, String> annotations, int port, String portName) {
    return Manifests.service("ns", "app", annotations, port, portName);
  }

  private static String twoPortPrimary() {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: app
          namespace: ns
          annotations:
            shadow-mirroring.io/mirror-to: shadow:8080
        spec:
          ports:
            - name: http
              port: 80
            - name: admin
              port: 8080
        """;
  }

  private static ModelBuild build(String yaml) {
    YamlManifests.Contents contents;
    try {
      contents = new YamlManifests().parse(yaml);
    } catch (YamlManifests.ManifestException e) {
      throw new IllegalArgumentException("test YAML does not parse", e);
    }
    return new MeshModelBuilder().build(new Inventory(contents.services(), contents.endpointSlices()));
  }
}
