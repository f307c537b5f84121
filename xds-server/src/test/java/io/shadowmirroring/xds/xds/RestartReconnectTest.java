package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.LDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.ReconnectingAds;
import io.shadowmirroring.xds.testing.ReconnectingAds.Client;
import io.shadowmirroring.xds.testing.ReconnectingAds.Delta;
import io.shadowmirroring.xds.testing.ReconnectingAds.Received;
import io.shadowmirroring.xds.testing.ReconnectingAds.Sotw;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, scenario 6: the server restarts under 500 connected Envoy-like streams (400 state-of-the-world,
 * 100 Delta) on one port. Versions are content hashes, so the restarted server must give every stream the
 * versions it already holds (no spurious change), and Delta streams, which say what they hold, only the
 * differences, removals included.
 */
class RestartReconnectTest {
  private static final int SERVICES = 60;
  private static final int SOTW = 400;
  private static final int DELTA = 100;
  private static final int CHANNELS = 10;
  private static final Duration SETTLE = Duration.ofSeconds(60);

  @TempDir Path directory;

  private final ReconnectingAds ads = new ReconnectingAds();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeClients() throws InterruptedException {
    ads.close();
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void writeService(int i, String ip) throws Exception {
    // Every third Service copies its traffic to the next one.
    Map<String, String> annotations = i % 3 == 0
        ? Map.of("shadow-mirroring.io/mirror-to", "svc-" + (i + 1), "shadow-mirroring.io/mirror-percentage", "25")
        : Map.of();
    DirectoryServer.write(directory.resolve("svc-" + i + ".yaml"), documents(
        service("restart", "svc-" + i, annotations, 80, "http"),
        endpointSlice("restart", "svc-" + i, "http", 8080, ip)));
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private DirectoryServer start(int port) throws Exception {
    return new DirectoryServer(directory, ServerSettings.loopbackForTests().withXdsPort(port), Duration.ofMillis(30));
  }

  private static void await(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + SETTLE.toSeconds() + " s: " + what);
      }
      AdsTestClient.sleep(20);
    }
  }

  /** Waits until nothing new has arrived on any stream for a while (bounded). */
  private void awaitQuiet() {
    int last = -1;
    long quietSince = System.nanoTime();
    long deadline = quietSince + SETTLE.toNanos();
    while (System.nanoTime() - quietSince < Duration.ofMillis(800).toNanos()) {
      int now = ads.clients().stream().mapToInt(c -> c.received().size()).sum();
      if (now != last) {
        last = now;
        quietSince = System.nanoTime();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the streams never went quiet");
      }
      AdsTestClient.sleep(50);
    }
  }

  private List<Sotw> sotw() {
    return ads.clients().stream().filter(Sotw.class::isInstance).map(Sotw.class::cast).toList();
  }

  private List<Delta> delta() {
    return ads.clients().stream().filter(Delta.class::isInstance).map(Delta.class::cast).toList();
  }

  private static boolean complete(Client client) {
    Map<String, Map<String, String>> held = client.held();
    return held.getOrDefault(CDS, Map.of()).size() >= SERVICES
        && held.getOrDefault(EDS, Map.of()).size() == SERVICES
        && !held.getOrDefault(LDS, Map.of()).isEmpty()
        && !held.getOrDefault(RDS, Map.of()).isEmpty();
  }

  @Test
  @DisplayName("500 streams across a restart: identical versions and nothing resent; after a change while away, Delta gets only the differences and the removals")
  void restartUnderLoad() throws Exception {
    for (int i = 0; i < SERVICES; i++) {
      writeService(i, "10.1.0." + (i + 1));
    }
    int port = freePort();
    DirectoryServer first = start(port);
    for (int i = 0; i < CHANNELS; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build());
    }
    for (int i = 0; i < SOTW + DELTA; i++) {
      ManagedChannel channel = channels.get(i % CHANNELS);
      if (i < SOTW) {
        ads.sotw(channel, AdsTestClient.envoyNode("sotw-" + i));
      } else {
        ads.delta(channel, AdsTestClient.envoyNode("delta-" + i));
      }
    }
    await("every stream holds the whole config", () -> ads.clients().stream().allMatch(RestartReconnectTest::complete));
    awaitQuiet();
    Map<String, String> versions = sotw().get(0).accepted();
    assertThat(sotw()).allSatisfy(client -> assertThat(client.accepted()).isEqualTo(versions));
    Map<String, Map<String, String>> sotwHeld = sotw().get(0).held();
    Map<String, Map<String, String>> deltaHeld = delta().get(0).held();

    // 1. A restart with nothing changed.
    first.close();
    await("every stream noticed", () -> ads.clients().stream().allMatch(c -> c.failed() || c.generation() >= 1));
    DirectoryServer second = start(port);
    long restart = System.nanoTime();
    await("500 streams back", () -> second.server().proxies().streams().size() == SOTW + DELTA);
    long reconnectMillis = (System.nanoTime() - restart) / 1_000_000;
    awaitQuiet();
    System.out.printf("restart with %d streams: all back on the new server %d ms after it started%n",
        SOTW + DELTA, reconnectMillis);
    for (Sotw client : sotw()) {
      // A restarted server may answer a reconnect, but only with the versions the client already has.
      assertThat(client.receivedOn(1)).allSatisfy(r -> assertThat(r.version()).isEqualTo(versions.get(r.typeUrl())));
      assertThat(client.accepted()).isEqualTo(versions);
      assertThat(client.held()).isEqualTo(sotwHeld);
    }
    for (Delta client : delta()) {
      assertThat(client.receivedOn(1)).allSatisfy(r -> {
        assertThat(r.names()).as("resources resent to a Delta stream that holds them").isEmpty();
        assertThat(r.removed()).isEmpty();
      });
      assertThat(client.held()).isEqualTo(deltaHeld);
    }

    // 2. A restart after one Service's endpoints moved and another Service went away meanwhile.
    second.close();
    await("every stream noticed again", () -> ads.clients().stream().allMatch(c -> c.failed() || c.generation() >= 2));
    writeService(10, "10.2.0.10");
    Files.delete(directory.resolve("svc-20.yaml"));
    DirectoryServer third = start(port);
    try {
      await("500 streams back again", () -> third.server().proxies().streams().size() == SOTW + DELTA);
      awaitQuiet();
      for (Delta client : delta()) {
        Set<String> got = new TreeSet<>();
        Set<String> removed = new TreeSet<>();
        client.receivedOn(2).forEach(r -> {
          r.names().forEach(name -> got.add(AdsTestClient.shortType(r.typeUrl()) + " " + name));
          r.removed().forEach(name -> removed.add(AdsTestClient.shortType(r.typeUrl()) + " " + name));
        });
        // svc-20 was nobody's mirror target (every third Service mirrors to the next: 18 -> 19, 21 -> 22),
        // so only its own cluster, assignment and virtual host go; the route table changes as a whole.
        assertThat(got).containsExactlyInAnyOrder("ClusterLoadAssignment restart/svc-10:80",
            "RouteConfiguration " + List.copyOf(deltaHeld.get(RDS).keySet()).get(0));
        // The assignment goes either as a removal or because the client unsubscribes once its cluster is gone.
        assertThat(removed).contains("Cluster restart/svc-20:80")
            .isSubsetOf("Cluster restart/svc-20:80", "ClusterLoadAssignment restart/svc-20:80");
        assertThat(client.held().get(CDS)).doesNotContainKey("restart/svc-20:80");
        assertThat(client.held().get(EDS)).doesNotContainKey("restart/svc-20:80").containsKey("restart/svc-10:80");
      }
      for (Sotw client : sotw()) {
        assertThat(client.held().get(EDS)).containsKey("restart/svc-10:80").doesNotContainKey("restart/svc-20:80");
        assertThat(client.accepted().get(LDS)).isEqualTo(versions.get(LDS));
      }
    } finally {
      third.close();
    }
  }
}
