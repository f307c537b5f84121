package io.shadowmirroring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.xds.testing.RawHttp2Connection;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the server jar (a real process, Kubernetes source on the mock API server) while an admin
 * write is held by the API server: readiness goes off first, then the xDS port sends GOAWAY, the write
 * still lands and its client gets OK, and the process exits within --shutdown-grace.
 */
class GracefulShutdownE2ETest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path JAR = ROOT.resolve("xds-server/target/xds-server.jar");
  private static final Duration GRACE = Duration.ofSeconds(12);
  private static final Duration WRITE_TIME = Duration.ofSeconds(3);

  @TempDir Path work;

  @Test
  @DisplayName("SIGTERM during an admin write: readiness off, GOAWAY, the write lands and is answered, exit within the grace")
  void sigtermDuringAnAdminWrite() throws Exception {
    try (SlowWriteApiServer api = new SlowWriteApiServer(WRITE_TIME); KubernetesClient kubectl = api.createClient()) {
      kubectl.resource(service("app-shadow-service")).create();
      kubectl.resource(service("app-service")).create();
      Path kubeconfig = PackagedServerE2ETest.kubeconfig(work, api.url());
      int xdsPort = PackagedServerE2ETest.freePort();
      int adminPort = PackagedServerE2ETest.freePort();
      int metricsPort = PackagedServerE2ETest.freePort();
      ProcessBuilder builder = new ProcessBuilder(PackagedServerE2ETest.javaBinary(), "-jar", JAR.toString(),
          "--source", "kubernetes", "--lease-namespace", "shadow-demo",
          "--xds-address", "127.0.0.1", "--xds-port", Integer.toString(xdsPort),
          "--metrics-address", "127.0.0.1", "--metrics-port", Integer.toString(metricsPort),
          "--admin-port", Integer.toString(adminPort),
          "--shutdown-grace", GRACE.toSeconds() + "s", "--shutdown-delay", "1s")
          .redirectErrorStream(true)
          .redirectOutput(work.resolve("server.log").toFile());
      builder.environment().put("KUBECONFIG", kubeconfig.toString());
      Process server = builder.start();
      ManagedChannel admin = NettyChannelBuilder.forAddress("127.0.0.1", adminPort).usePlaintext().build();
      try (RawHttp2Connection xds = awaitReadyAndWatchHealth(server, metricsPort, xdsPort)) {
        awaitAdminReady(admin);
        CompletableFuture<MirrorChange> write = CompletableFuture.supplyAsync(() ->
            MirrorAdminGrpc.newBlockingStub(admin).withDeadlineAfter(30, TimeUnit.SECONDS)
                .setMirror(SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
                    .setService(ServiceName.newBuilder().setNamespace("shadow-demo").setName("app-service"))
                    .addTargets("app-shadow-service")).build()));
        assertThat(api.awaitWrite(30, TimeUnit.SECONDS)).as("the write reached the API server (the call: %s); log:\n%s",
            write.handle((answer, failure) -> failure != null ? failure.toString() : answer.toString())
                .getNow("in flight"), log()).isTrue();

        long sigterm = System.nanoTime();
        server.destroy();

        String readyzAfterSigterm = firstUnreadyAnswer(metricsPort);
        long unready = millisSince(sigterm);
        MirrorChange change = write.get(GRACE.toSeconds(), TimeUnit.SECONDS);
        long answered = millisSince(sigterm);
        RawHttp2Connection.Frame goAway = xds.await("GOAWAY on the xDS port",
            f -> f.type() == RawHttp2Connection.GOAWAY, GRACE);
        long goAwayAt = TimeUnit.NANOSECONDS.toMillis(goAway.receivedNanos() - sigterm);
        assertThat(server.waitFor(GRACE.toSeconds() + 5, TimeUnit.SECONDS)).as("the process exits").isTrue();
        long exited = millisSince(sigterm);

        assertThat(readyzAfterSigterm).isEqualTo("503 shutting down");
        assertThat(healthBeforeGoAway(xds.seen())).as("gRPC health on the xDS port before the GOAWAY")
            .endsWith("SERVING", "NOT_SERVING");
        assertThat(goAway.errorCode()).isEqualTo(RawHttp2Connection.NO_ERROR);
        assertThat(change.getConfigVersion()).as("the client got its answer").isNotEmpty();
        assertThat(kubectl.services().inNamespace("shadow-demo").withName("app-service").get().getMetadata()
            .getAnnotations()).as("the write landed").containsEntry("shadow-mirroring.io/mirror-to", "app-shadow-service");
        assertThat(exited).as("exit within --shutdown-grace").isLessThan(GRACE.toMillis());
        assertThat(goAwayAt).as("GOAWAY after the 1 s delay").isGreaterThanOrEqualTo(1000);
        assertThat(unready).as("readiness off before the GOAWAY").isLessThan(goAwayAt);

        List<String> lines = Files.readAllLines(work.resolve("server.log"));
        int readinessOff = indexOf(lines, "shutdown: readiness off");
        int goAwayLine = indexOf(lines, "shutdown: GOAWAY");
        int done = indexOf(lines, "shutdown: done");
        assertThat(readinessOff).as(log()).isNotNegative();
        assertThat(goAwayLine).as(log()).isGreaterThan(readinessOff);
        assertThat(done).as(log()).isGreaterThan(goAwayLine);
        assertThat(log()).doesNotContain("halting", "could not stop");
        System.out.printf("graceful shutdown: SIGTERM -> /readyz 503 within %d ms, GOAWAY %d ms, admin write answered"
            + " %d ms (API server held it %d ms), exit %d ms (grace %d ms, exit code %d)%n", unready, goAwayAt, answered,
            WRITE_TIME.toMillis(), exited, GRACE.toMillis(), server.exitValue());
      } finally {
        admin.shutdownNow();
        server.destroyForcibly();
        server.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Waits for /readyz 200, then opens a gRPC health Watch on the xDS port over a raw HTTP/2 connection. */
  private RawHttp2Connection awaitReadyAndWatchHealth(Process server, int metricsPort, int xdsPort) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 600; i++) {
      if (!server.isAlive()) {
        throw new AssertionError("the server exited with " + server.exitValue() + "; log:\n" + log());
      }
      try {
        if (http.send(readyz(metricsPort), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          RawHttp2Connection xds = new RawHttp2Connection(xdsPort);
          xds.startCall(1, "grpc.health.v1.Health/Watch");
          xds.sendMessage(1, HealthCheckRequest.getDefaultInstance().toByteArray(), true);
          xds.await("the first health status", f -> f.type() == RawHttp2Connection.DATA, Duration.ofSeconds(10));
          return xds;
        }
      } catch (IOException notYetListening) {
        // The JVM is still starting.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server did not become ready within 60 s; log:\n" + log());
  }

  /** The admin API answers once its first model is built, which may come a moment after /readyz. */
  private static void awaitAdminReady(ManagedChannel admin) throws InterruptedException {
    for (int i = 0; i < 300; i++) {
      try {
        MirrorAdminGrpc.newBlockingStub(admin).withDeadlineAfter(5, TimeUnit.SECONDS)
            .listMirrors(io.shadowmirroring.api.admin.v1.ListMirrorsRequest.getDefaultInstance());
        return;
      } catch (io.grpc.StatusRuntimeException notReady) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the admin API did not become ready within 30 s");
  }

  /** The first /readyz answer after SIGTERM that is not 200, as "status body". */
  private static String firstUnreadyAnswer(int metricsPort) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    for (int i = 0; i < 500; i++) {
      try {
        HttpResponse<String> answer = http.send(readyz(metricsPort), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
          return answer.statusCode() + " " + answer.body().strip();
        }
      } catch (IOException closed) {
        return "closed";
      }
      Thread.sleep(10);
    }
    return "still 200 after 5 s";
  }

  private static HttpRequest readyz(int metricsPort) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/readyz"))
        .timeout(Duration.ofSeconds(2)).build();
  }

  /** The statuses a health Watch received, in order, up to the first GOAWAY. */
  private static List<String> healthBeforeGoAway(List<RawHttp2Connection.Frame> frames) throws Exception {
    List<String> statuses = new java.util.ArrayList<>();
    for (RawHttp2Connection.Frame frame : frames) {
      if (frame.type() == RawHttp2Connection.GOAWAY) {
        break;
      }
      if (frame.type() == RawHttp2Connection.DATA && frame.payload().length > 5) {
        statuses.add(io.grpc.health.v1.HealthCheckResponse.parseFrom(
            java.util.Arrays.copyOfRange(frame.payload(), 5, frame.payload().length)).getStatus().name());
      }
    }
    return statuses;
  }

  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  private static long millisSince(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  private String log() throws IOException {
    Path file = work.resolve("server.log");
    return Files.exists(file) ? Files.readString(file) : "";
  }

  private static Service service(String name) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace("shadow-demo").withAnnotations(Map.of()).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withNewTargetPort("http").endPort().endSpec()
        .build();
  }
}
