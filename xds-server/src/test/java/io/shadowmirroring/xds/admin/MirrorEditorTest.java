package io.shadowmirroring.xds.admin;

import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusException;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.AnnotationWriter;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.ProblemReporter;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MirrorEditor's locking and the meaning of "served", on the real server and real files. */
class MirrorEditorTest {
  private static final ServiceRef APP = new ServiceRef("shadow-demo", "app-service");
  private static final ServiceRef OTHER = new ServiceRef("shadow-demo", "other-service");
  private static final String TO = MirrorAnnotations.PREFIX + "mirror-to";
  private static final String PERCENT = MirrorAnnotations.PREFIX + "mirror-percentage";
  private static final Duration SHORT = Duration.ofSeconds(5);

  @TempDir Path directory;
  private DirectoryServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    Files.writeString(directory.resolve("demo.yaml"), documents(
        service("shadow-demo", "app-service", Map.of(TO, "app-shadow-service"), 80, "http"),
        service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"),
        service("shadow-demo", "other-service", Map.of(), 80, "http")));
    server = new DirectoryServer(directory);
    io.shadowmirroring.xds.testing.FirstBuild.await(server.server());
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    server.close();
  }

  private static Map<String, String> mirror(String percent) {
    return Map.of(TO, "app-shadow-service", PERCENT, percent);
  }

  private MirrorEditor editor(ConfigSource source, Supplier<MeshModelBuilder> builders) {
    var s = server.server();
    return new MirrorEditor(source, s.reconciler(),
        new ConfigVersions(s.publisher(), s.proxies(), s.versions().profile(), builders));
  }

  private CompletableFuture<MirrorEditor.Outcome> inBackground(MirrorEditor editor, ServiceRef ref, String percent) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return editor.apply(ref, current -> mirror(percent), false, SHORT);
      } catch (StatusException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  @DisplayName("an edit of one Service does not wait for a slow read of another Service")
  void lockPerService() throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    MirrorEditor editor = editor(new SlowReads(server.server().source(), APP, reading, release),
        server.server().reconciler()::builder);
    CompletableFuture<MirrorEditor.Outcome> slow = inBackground(editor, APP, "10");
    assertThat(reading.await(5, TimeUnit.SECONDS)).as("the first edit is reading its Service").isTrue();

    MirrorEditor.Outcome other = inBackground(editor, OTHER, "20").get(5, TimeUnit.SECONDS);

    assertThat(other.configVersion()).isNotEmpty();
    assertThat(slow).isNotDone();
    release.countDown();
    assertThat(slow.get(5, TimeUnit.SECONDS).configVersion()).isNotEmpty();
  }

  @Test
  @DisplayName("the version prediction (a full translation) runs outside the lock: a second edit of the same Service goes ahead")
  void predictsOutsideTheLock() throws Exception {
    CountDownLatch predicting = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    MirrorEditor editor = editor(server.server().source(), () -> {
      if (first.getAndSet(false)) {
        predicting.countDown();
        await(release);
      }
      return server.server().reconciler().builder();
    });
    CompletableFuture<MirrorEditor.Outcome> slow = inBackground(editor, APP, "10");
    assertThat(predicting.await(5, TimeUnit.SECONDS)).as("the first edit is predicting").isTrue();

    inBackground(editor, APP, "30").get(5, TimeUnit.SECONDS);

    assertThat(Files.readString(directory.resolve("demo.yaml"))).contains(PERCENT + ": \"30\"");
    release.countDown();
    slow.get(5, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("wait means ACKed by every connected proxy of the config version's profile; a proxy that rejects the routes is named")
  void waitMeansAcked() throws Exception {
    MirrorEditor editor = editor(server.server().source(), server.server().reconciler()::builder);
    try (AdsTestClient acking = server.envoy("envoy-acks");
         AdsTestClient nacking = new AdsTestClient(server.channel(), AdsTestClient.envoyNode("envoy-rejects"))) {
      nacking.rejectWhen(r -> r.getTypeUrl().equals(AdsTestClient.RDS)
          ? Optional.of("routes rejected by test") : Optional.empty());
      nacking.start();
      acking.latest(AdsTestClient.RDS, SHORT);
      nacking.await("routes", r -> r.getTypeUrl().equals(AdsTestClient.RDS), SHORT);

      assertThatThrownBy(() -> editor.apply(APP, current -> mirror("40"), true, Duration.ofSeconds(2)))
          .isInstanceOfSatisfying(StatusException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
            assertThat(e.getStatus().getDescription())
                .startsWith("the change to shadow-demo/app-service is published in config version ")
                .endsWith("but not yet ACKed after 2000 ms by 1 of the 2 connected envoy:10000/edge proxies: envoy-rejects");
          });
    }
    try (AdsTestClient acking = server.envoy("envoy-acks-2")) {
      acking.latest(AdsTestClient.RDS, SHORT);

      MirrorEditor.Outcome outcome = editor.apply(APP, current -> mirror("60"), true, SHORT);

      assertThat(outcome.served()).isTrue();
      assertThat(acking.ackedVersion(AdsTestClient.RDS)).contains(outcome.configVersion());
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The real source, whose live read of one Service stalls until released: a slow API server. */
  private record SlowReads(ConfigSource source, ServiceRef slow, CountDownLatch reading, CountDownLatch release)
      implements ConfigSource {
    @Override
    public void start(Runnable onChange) throws Exception {
      source.start(onChange);
    }

    @Override
    public boolean synced() {
      return source.synced();
    }

    @Override
    public Optional<String> failure() {
      return source.failure();
    }

    @Override
    public Inventory inventory() {
      return source.inventory();
    }

    @Override
    public ProblemReporter problemReporter() {
      return source.problemReporter();
    }

    @Override
    public AnnotationWriter annotationWriter() {
      AnnotationWriter writer = source.annotationWriter();
      return new AnnotationWriter() {
        @Override
        public Stored read(ServiceRef service) throws ServiceNotFoundException, IOException {
          if (service.equals(slow)) {
            reading.countDown();
            await(release);
          }
          return writer.read(service);
        }

        @Override
        public void replaceMirrorAnnotations(ServiceRef service, Stored base, Map<String, String> annotations)
            throws ServiceNotFoundException, ConflictException, IOException {
          writer.replaceMirrorAnnotations(service, base, annotations);
        }
      };
    }

    @Override
    public String describe() {
      return source.describe();
    }

    @Override
    public void close() {
      source.close();
    }
  }
}
