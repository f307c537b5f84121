package io.shadowmirroring.xds.admin;

import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.Status;
import io.grpc.StatusException;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.FirstBuild;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No lost update: an admin write that races another writer of the same Service (kubectl, a second
 * replica, a person saving the YAML file) either lands on top of the other change or fails with one
 * clear line; the other change is never silently overwritten.
 *
 * <p>The other writer acts exactly between our read and our write: inside the edit function, which
 * MirrorEditor calls after it has read the annotations and before it writes them.
 */
class WriteRaceTest {
  private static final String NS = "shadow-demo";
  private static final ServiceRef APP = new ServiceRef(NS, "app-service");
  private static final String TO = MirrorAnnotations.PREFIX + "mirror-to";
  private static final String PERCENT = MirrorAnnotations.PREFIX + "mirror-percentage";
  private static final String KEEP_HOST = MirrorAnnotations.PREFIX + "keep-host";
  private static final String METHODS = MirrorAnnotations.PREFIX + "mirror-methods";
  private static final Duration SHORT = Duration.ofSeconds(5);

  private static MirrorEditor editor(ShadowMirroringServer server) {
    return new MirrorEditor(server.source(), server.reconciler(), server.versions());
  }

  private static UnaryOperator<Map<String, String>> put(String key, String value) {
    return current -> {
      Map<String, String> next = new HashMap<>(current);
      next.put(key, value);
      return next;
    };
  }

  /** Runs {@code other} the first {@code times} times the edit is applied, i.e. after our read and before our write. */
  private static UnaryOperator<Map<String, String>> racedBy(int times, Runnable other, UnaryOperator<Map<String, String>> edit) {
    AtomicInteger calls = new AtomicInteger();
    return current -> {
      if (calls.incrementAndGet() <= times) {
        other.run();
      }
      return edit.apply(current);
    };
  }

  @Nested
  @EnableKubernetesMockClient(crud = true)
  @DisplayName("Kubernetes: resourceVersion preconditions")
  class Kubernetes {
    KubernetesMockServer mockServer;
    KubernetesClient client;

    private ShadowMirroringServer start() throws Exception {
      ShadowMirroringServer server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(),
          new KubernetesSource(mockServer.createClient(), List.of(NS), ""));
      FirstBuild.await(server);
      return server;
    }

    private void createServices() {
      client.resource(k8sService("app-service", Map.of(TO, "app-shadow-service", "team", "payments"))).create();
      client.resource(k8sService("app-shadow-service", Map.of())).create();
    }

    private io.fabric8.kubernetes.api.model.Service k8sService(String name, Map<String, String> annotations) {
      return new ServiceBuilder()
          .withNewMetadata().withName(name).withNamespace(NS).withAnnotations(annotations).endMetadata()
          .withNewSpec().addNewPort().withName("http").withPort(80).withNewTargetPort("http").endPort().endSpec()
          .build();
    }

    /** What {@code kubectl annotate --overwrite svc app-service KEY=VALUE} does: a patch without resourceVersion. */
    private void kubectlAnnotate(String key, String value) {
      client.services().inNamespace(NS).withName("app-service").edit(s -> {
        s.getMetadata().getAnnotations().put(key, value);
        return s;
      });
    }

    private Map<String, String> stored() {
      return client.services().inNamespace(NS).withName("app-service").get().getMetadata().getAnnotations();
    }

    @Test
    @DisplayName("a kubectl annotate between our GET and PATCH: 409, re-read, and our change lands on top of theirs")
    void kubectlBetweenReadAndWrite() throws Exception {
      createServices();
      try (ShadowMirroringServer server = start()) {
        MirrorEditor editor = editor(server);

        editor.apply(APP, racedBy(1, () -> kubectlAnnotate(KEEP_HOST, "true"), put(PERCENT, "25")), false, SHORT);

        assertThat(stored()).containsEntry(PERCENT, "25").containsEntry(KEEP_HOST, "true")
            .containsEntry(TO, "app-shadow-service").containsEntry("team", "payments");
        assertThat(editor.conflicts()).isEqualTo(1);
      }
    }

    @Test
    @DisplayName("kubectl editing under every attempt: ABORTED in one line after 5 attempts, kubectl's last value kept")
    void kubectlUnderEveryAttempt() throws Exception {
      createServices();
      try (ShadowMirroringServer server = start()) {
        MirrorEditor editor = editor(server);
        AtomicInteger kubectlRuns = new AtomicInteger();

        assertThatThrownBy(() -> editor.apply(APP, racedBy(MirrorEditor.MAX_WRITE_ATTEMPTS,
            () -> kubectlAnnotate(PERCENT, "3" + kubectlRuns.incrementAndGet()), put(PERCENT, "25")), false, SHORT))
            .isInstanceOfSatisfying(StatusException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("the annotations of shadow-demo/app-service changed under each of 5 attempts to write"
                      + " this change (service shadow-demo/app-service changed since resourceVersion "
                      + e.getStatus().getDescription().replaceAll(".*resourceVersion (\\S+)\\).*", "$1")
                      + "); nothing was written, try again")
                  .doesNotContain("\n");
            });

        assertThat(kubectlRuns).hasValue(5);
        assertThat(stored()).containsEntry(PERCENT, "35").containsEntry("team", "payments");
        assertThat(editor.conflicts()).isEqualTo(5);
      }
    }

    @Test
    @DisplayName("two replicas changing different keys of one Service at the same moment, 20 times: both changes are stored every time")
    void twoReplicas() throws Exception {
      createServices();
      List<String> methods = List.of("GET", "GET,HEAD", "GET,HEAD,OPTIONS", "POST", "*");
      try (ShadowMirroringServer first = start(); ShadowMirroringServer second = start()) {
        MirrorEditor a = editor(first);
        MirrorEditor b = editor(second);
        int aborted = 0;
        for (int round = 1; round <= 20; round++) {
          String percent = String.valueOf(round);
          String method = methods.get(round % methods.size());
          CyclicBarrier together = new CyclicBarrier(2);
          CompletableFuture<Status> fromA = inBackground(together, a, put(PERCENT, percent));
          CompletableFuture<Status> fromB = inBackground(together, b, put(METHODS, method));
          Status statusA = fromA.get(30, TimeUnit.SECONDS);
          Status statusB = fromB.get(30, TimeUnit.SECONDS);

          Map<String, String> stored = stored();
          for (var outcome : List.of(Map.entry(statusA, Map.entry(PERCENT, percent)),
              Map.entry(statusB, Map.entry(METHODS, method)))) {
            if (outcome.getKey().isOk()) {
              assertThat(stored).as("round %d", round).containsEntry(outcome.getValue().getKey(), outcome.getValue().getValue());
            } else {
              aborted++;
              assertThat(outcome.getKey().getCode()).isEqualTo(Status.Code.ABORTED);
              assertThat(outcome.getKey().getDescription()).doesNotContain("\n");
            }
          }
          assertThat(stored).containsEntry("team", "payments").containsEntry(TO, "app-shadow-service");
        }
        System.out.printf("two replicas, 20 rounds: %d conflicts re-applied, %d writes aborted%n",
            a.conflicts() + b.conflicts(), aborted);
        assertThat(aborted).as("with 5 attempts each, two writers never starve each other").isZero();
      }
    }

    private CompletableFuture<Status> inBackground(CyclicBarrier together, MirrorEditor editor,
        UnaryOperator<Map<String, String>> edit) {
      return CompletableFuture.supplyAsync(() -> {
        try {
          together.await(10, TimeUnit.SECONDS);
          editor.apply(APP, edit, false, SHORT);
          return Status.OK;
        } catch (StatusException e) {
          return e.getStatus();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  @Nested
  @DisplayName("Directory: content-hash preconditions")
  class Directory {
    @TempDir Path directory;

    private Path file() {
      return directory.resolve("demo.yaml");
    }

    private void writeDemo(Map<String, String> annotations) throws IOException {
      DirectoryServer.write(file(), "# the demo, kept by hand\n" + documents(
          service(NS, "app-service", annotations, 80, "http"),
          service(NS, "app-shadow-service", Map.of(), 80, "http")));
    }

    /** Someone saves the file in an editor: a new content, written the way editors write. */
    private void saveByHand(Map<String, String> annotations) {
      try {
        writeDemo(annotations);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Test
    @DisplayName("the file saved by hand between our read and our write: re-read, and our change lands on top of the saved one")
    void savedBetweenReadAndWrite() throws Exception {
      writeDemo(Map.of(TO, "app-shadow-service"));
      try (DirectoryServer server = new DirectoryServer(directory)) {
        FirstBuild.await(server.server());
        MirrorEditor editor = editor(server.server());

        editor.apply(APP, racedBy(1, () -> saveByHand(Map.of(TO, "app-shadow-service", KEEP_HOST, "true")),
            put(PERCENT, "25")), false, SHORT);

        String text = Files.readString(file());
        assertThat(text).contains(PERCENT + ": \"25\"").contains(KEEP_HOST + ": \"true\"")
            .contains("# the demo, kept by hand");
        assertThat(editor.conflicts()).isEqualTo(1);
      }
    }

    @Test
    @DisplayName("the file saved by hand under every attempt: ABORTED in one line, the hand-saved file kept as it is")
    void savedUnderEveryAttempt() throws Exception {
      writeDemo(Map.of(TO, "app-shadow-service"));
      try (DirectoryServer server = new DirectoryServer(directory)) {
        FirstBuild.await(server.server());
        MirrorEditor editor = editor(server.server());
        List<String> saved = new ArrayList<>();

        assertThatThrownBy(() -> editor.apply(APP, racedBy(MirrorEditor.MAX_WRITE_ATTEMPTS, () -> {
          String percent = String.valueOf(30 + saved.size());
          saveByHand(Map.of(TO, "app-shadow-service", PERCENT, percent));
          saved.add(percent);
        }, put(PERCENT, "25")), false, SHORT))
            .isInstanceOfSatisfying(StatusException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
              assertThat(e.getStatus().getDescription()).isEqualTo("the annotations of shadow-demo/app-service"
                  + " changed under each of 5 attempts to write this change (demo.yaml changed since it was read);"
                  + " nothing was written, try again");
            });

        assertThat(Files.readString(file())).contains(PERCENT + ": \"34\"").doesNotContain("\"25\"");
        try (var leftovers = Files.list(directory)) {
          assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactly("demo.yaml");
        }
      }
    }
  }
}
