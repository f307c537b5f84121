package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.LDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions are content hashes: a proxy that reconnects to a restarted server (or another replica) with
 * the versions it holds is sent nothing, and one whose config changed meanwhile gets the new versions.
 */
class ServerRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final List<String> TYPES = List.of(CDS, EDS, LDS, RDS);

  @TempDir Path directory;

  private void write(String ip) throws Exception {
    DirectoryServer.write(directory.resolve("demo.yaml"), documents(
        service("shadow-demo", "app-service", Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), 80,
            "http"),
        endpointSlice("shadow-demo", "app-service", "http", 8081, ip),
        service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"),
        endpointSlice("shadow-demo", "app-shadow-service", "http", 8082, "10.0.0.2")));
  }

  /** The versions and names an Envoy-like client holds once everything is ACKed. */
  private record Held(Map<String, String> versions, Map<String, List<String>> names) {}

  private static Held settle(AdsTestClient envoy) {
    Map<String, String> versions = new TreeMap<>();
    Map<String, List<String>> names = new TreeMap<>();
    for (String type : TYPES) {
      DiscoveryResponse latest = envoy.latest(type, WAIT);
      for (int i = 0; i < 300 && !envoy.ackedVersion(type).equals(Optional.of(latest.getVersionInfo())); i++) {
        AdsTestClient.sleep(10);
      }
      versions.put(type, latest.getVersionInfo());
    }
    names.put(EDS, AdsTestClient.edsNames(envoy.latest(CDS, WAIT)));
    names.put(RDS, AdsTestClient.routeNames(envoy.latest(LDS, WAIT)));
    return new Held(versions, names);
  }

  @Test
  @DisplayName("after a server restart, a proxy that reconnects with the versions it holds is sent nothing")
  void restartSendsNothingToAnUpToDateProxy() throws Exception {
    write("10.0.0.1");
    Held held;
    try (DirectoryServer first = new DirectoryServer(directory);
         AdsTestClient envoy = first.envoy("envoy-1")) {
      envoy.await("routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      held = settle(envoy);
    }
    try (DirectoryServer second = new DirectoryServer(directory);
         AdsTestClient envoy = new AdsTestClient(second.channel(), AdsTestClient.envoyNode("envoy-1"))
             .resume(held.versions(), held.names())) {
      AdsTestClient.sleep(1500);

      assertThat(envoy.received()).as("responses to a proxy that is up to date").isEmpty();
      assertThat(second.server().proxies().streams()).singleElement()
          .satisfies(s -> assertThat(s.types().get(RDS).ackedVersion()).isEqualTo(held.versions().get(RDS)));
    }
  }

  @Test
  @DisplayName("after a restart with an endpoint moved, a reconnecting proxy gets only EDS, with the version any "
      + "server computes for it")
  void restartSendsOnlyWhatChanged() throws Exception {
    write("10.0.0.1");
    Held held;
    try (DirectoryServer first = new DirectoryServer(directory);
         AdsTestClient envoy = first.envoy("envoy-1")) {
      envoy.await("routes", r -> r.getTypeUrl().equals(RDS), WAIT);
      held = settle(envoy);
    }
    write("10.0.0.9");
    String expected;
    try (DirectoryServer reference = new DirectoryServer(directory);
         AdsTestClient envoy = reference.envoy("reference")) {
      expected = envoy.await("the moved endpoint", r -> r.getTypeUrl().equals(EDS)
          && r.toString().contains("10.0.0.9"), WAIT).getVersionInfo();
    }
    try (DirectoryServer second = new DirectoryServer(directory);
         AdsTestClient envoy = new AdsTestClient(second.channel(), AdsTestClient.envoyNode("envoy-1"))
             .resume(held.versions(), held.names())) {
      DiscoveryResponse eds = envoy.await("the moved endpoint", r -> r.getTypeUrl().equals(EDS), WAIT);
      AdsTestClient.sleep(800);

      assertThat(eds.getVersionInfo()).isEqualTo(expected);
      assertThat(envoy.received()).extracting(DiscoveryResponse::getTypeUrl).containsExactly(EDS);
    }
  }
}
