package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.GatedSource;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A proxy that connects before the source is complete gets nothing rather than an empty config. */
class NotBeforeSyncTest {

  @Test
  @DisplayName("nothing is served and /readyz is 503 until the source has synced; then the config flows")
  void servesNothingBeforeSync() throws Exception {
    GatedSource source = new GatedSource();
    SnapshotConstraints constraints = new SnapshotConstraints();
    try (ShadowMirroringServer server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(), source)) {
      constraints.watch(server);
      var channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
      try (AdsTestClient envoy = new AdsTestClient(channel, AdsTestClient.envoyNode("early")).start()) {
        AdsTestClient.sleep(500);
        assertThat(envoy.received()).isEmpty();
        assertThat(readyz(server.metricsPort())).isEqualTo(503);

        source.sync();

        envoy.await("listeners", r -> r.getTypeUrl().equals(AdsTestClient.LDS), java.time.Duration.ofSeconds(10));
        assertThat(readyz(server.metricsPort())).isEqualTo(200);
      } finally {
        channel.shutdownNow();
      }
    }
    constraints.assertNoViolations();
  }

  private static int readyz(int port) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
