package io.shadowmirroring.xds.source;

import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The YAML directory source: real files, real polling. */
class DirectorySourceTest {
  @TempDir Path directory;

  private static final String APP = service("shadow-demo", "app-service", Map.of(), 80, "http");

  @Test
  @DisplayName("reads Services and EndpointSlices from multi-document files in subdirectories and skips other kinds")
  void readsManifests() throws Exception {
    Files.createDirectories(directory.resolve("nested"));
    Files.writeString(directory.resolve("a.yaml"), documents(APP,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n",
        endpointSlice("shadow-demo", "app-service", "http", 8081, "10.0.0.1")));
    Files.writeString(directory.resolve("nested/b.yml"), service("other", "b", Map.of(), 81, "web"));
    Files.writeString(directory.resolve("notes.txt"), "not yaml");

    try (DirectorySource source = new DirectorySource(directory, Duration.ofMillis(20))) {
      source.start(() -> { });

      assertThat(source.synced()).isTrue();
      assertThat(source.inventory().services()).extracting(ServiceInput::ref)
          .containsExactly(new ServiceRef("other", "b"), new ServiceRef("shadow-demo", "app-service"));
      assertThat(source.inventory().endpointSlices()).hasSize(1);
    }
  }

  @Test
  @DisplayName("a file that stops parsing is reported in one line and its last good content is kept")
  void keepsLastGoodContent() throws Exception {
    Path file = directory.resolve("app.yaml");
    Files.writeString(file, APP);
    AtomicInteger changes = new AtomicInteger();
    try (DirectorySource source = new DirectorySource(directory, Duration.ofMillis(20))) {
      source.start(changes::incrementAndGet);

      DirectoryServer.write(file, "apiVersion: v1\nkind: Service\nmetadata: [unclosed\n");
      for (int i = 0; i < 200 && source.fileErrors().isEmpty(); i++) {
        AdsTestClient.sleep(10);
      }

      assertThat(source.fileErrors()).singleElement().asString()
          .startsWith("app.yaml: document 1: not valid YAML: ")
          .endsWith("(keeping its last readable content)")
          .doesNotContain("\n");
      assertThat(source.inventory().services()).extracting(ServiceInput::ref)
          .containsExactly(new ServiceRef("shadow-demo", "app-service"));
    }
  }

  @Test
  @DisplayName("a rewrite that keeps the size and the modification time is still seen: changes are found by content")
  void detectsChangesByContent() throws Exception {
    Path file = directory.resolve("app.yaml");
    String at25 = service("shadow-demo", "app-service", Map.of("shadow-mirroring.io/mirror-percentage", "25"), 80,
        "http");
    String at50 = at25.replace("\"25\"", "\"50\"");
    assertThat(at50).as("the edit keeps the size").hasSameSizeAs(at25).isNotEqualTo(at25);
    Files.writeString(file, at25);
    // A poll interval far beyond the test: only the explicit scans below look at the directory.
    try (DirectorySource source = new DirectorySource(directory, Duration.ofHours(1))) {
      source.start(() -> { });
      var sameTick = Files.getLastModifiedTime(file);

      DirectoryServer.write(file, at50);
      Files.setLastModifiedTime(file, sameTick);

      assertThat(source.scan()).as("the rewrite counts as a change").isTrue();
      assertThat(source.inventory().services()).singleElement()
          .satisfies(s -> assertThat(s.annotations()).containsEntry("shadow-mirroring.io/mirror-percentage", "50"));
      assertThat(source.scan()).as("nothing changed since").isFalse();
    }
  }

  @Test
  @DisplayName("a Service defined in two files is served once, from the first file by path")
  void duplicateServices() throws Exception {
    Files.writeString(directory.resolve("a.yaml"), service("shadow-demo", "app-service", Map.of(), 80, "http"));
    Files.writeString(directory.resolve("b.yaml"), service("shadow-demo", "app-service", Map.of(), 9090, "web"));
    try (DirectorySource source = new DirectorySource(directory, Duration.ofMillis(20))) {
      source.start(() -> { });

      var model = new io.shadowmirroring.xds.model.MeshModelBuilder().build(source.inventory()).model();
      assertThat(model.ports()).extracting(p -> p.cluster().port()).containsExactly(80);
    }
  }

  @Test
  @DisplayName("a Service without a name is rejected with the document it is in")
  void rejectsNamelessObjects() {
    YamlManifests manifests = new YamlManifests();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> manifests.parse(documents(APP,
            "apiVersion: v1\nkind: Service\nmetadata:\n  namespace: x\n")))
        .hasMessage("document 2 (Service): metadata.name is missing");
  }

  @Test
  @DisplayName("an edit reaches a connected proxy within a second, with the production poll interval")
  void editsReachProxiesWithinASecond() throws Exception {
    Files.writeString(directory.resolve("app.yaml"), documents(APP,
        service("shadow-demo", "app-shadow-service", Map.of(), 80, "http")));
    ServerSettings production = new ServerSettings("127.0.0.1", 0, "127.0.0.1", 0, 10000,
        Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(3));
    try (DirectoryServer server = new DirectoryServer(directory, production, Duration.ofMillis(200));
         AdsTestClient envoy = server.envoy("envoy-1")) {
      envoy.await("routes", r -> r.getTypeUrl().equals(AdsTestClient.RDS), Duration.ofSeconds(10));
      AdsTestClient.sleep(300);

      DirectoryServer.write(directory.resolve("app.yaml"), documents(
          service("shadow-demo", "app-service", Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), 80,
              "http"),
          service("shadow-demo", "app-shadow-service", Map.of(), 80, "http")));

      envoy.await("routes with the mirror, within a second",
          r -> r.getTypeUrl().equals(AdsTestClient.RDS) && !AdsTestClient.mirrorClusters(r).isEmpty(),
          Duration.ofSeconds(1));
    }
  }
}
