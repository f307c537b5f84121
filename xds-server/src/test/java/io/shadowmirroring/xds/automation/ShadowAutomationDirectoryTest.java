package io.shadowmirroring.xds.automation;

import static io.shadowmirroring.xds.testing.FixedJudge.cluster;
import static io.shadowmirroring.xds.testing.FixedJudge.comparison;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.admin.MirrorEditor;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.Leadership;
import io.shadowmirroring.xds.source.ServiceEvent;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.FixedJudge;
import io.shadowmirroring.xds.testing.RecordingReporter;
import io.shadowmirroring.xds.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The automation against the real server on a directory of YAML: the flags and the window are the file's
 * own annotations, decisions are written to the file through the admin API's own editor, and the next
 * config carries them. Ticks are driven by the test.
 */
class ShadowAutomationDirectoryTest {
  private static final ServiceRef APP = new ServiceRef("shadow-demo", "app-service");
  private static final ClusterRef APP_80 = cluster("shadow-demo", "app-service", 80);
  private static final ClusterRef V2_80 = cluster("shadow-demo", "app-v2", 80);
  private static final ClusterRef V3_80 = cluster("shadow-demo", "app-v3", 80);
  // Not the default 5m: the window the automation waits for comes from the analysis annotation.
  private static final Duration WINDOW = Duration.ofMinutes(1);
  private static final String ANALYSIS = "shadow-mirroring.io/analysis";
  private static final String AUTO_PROMOTE = "shadow-mirroring.io/auto-promote";
  private static final String AUTO_ABORT = "shadow-mirroring.io/auto-abort";
  private static final Instant START = Instant.parse("2026-01-10T12:00:00Z");

  @TempDir Path directory;
  private final FixedJudge judge = new FixedJudge();
  private final RecordingReporter events = new RecordingReporter();
  private final TestClock clock = new TestClock(START);
  private DirectoryServer server;

  /** The demo Services; {@code automation} are annotation lines of app-service, e.g. its auto-promote. */
  private static String demo(String mirrorTo, String automation) {
    return """
        # Services of the demo; this comment must survive automatic edits.
        apiVersion: v1
        kind: Service
        metadata:
          name: app-service
          namespace: shadow-demo
          annotations:
            team: payments
            shadow-mirroring.io/mirror-to: "%s"
            shadow-mirroring.io/analysis: "window=1m"
        %s
        spec:
          ports:
            - name: http
              port: 80
        """.formatted(mirrorTo, automation.indent(4).stripTrailing()) + service("app-v2") + service("app-v3");
  }

  /** The annotation lines that turn the flags on, as a user writes them. */
  private static String flags(boolean autoPromote, boolean autoAbort) {
    return (autoPromote ? AUTO_PROMOTE + ": \"true\"\n" : "") + (autoAbort ? AUTO_ABORT + ": \"true\"\n" : "");
  }

  private static String service(String name) {
    return """
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: %s
          namespace: shadow-demo
        spec:
          ports:
            - name: http
              port: 80
        """.formatted(name);
  }

  private ShadowAutomation start(String mirrorTo, boolean autoPromote, boolean autoAbort, Leadership leadership)
      throws Exception {
    Files.writeString(directory.resolve("demo.yaml"), demo(mirrorTo, flags(autoPromote, autoAbort)));
    server = new DirectoryServer(directory, judge);
    MirrorStatus parsed = status(awaitBuild(b -> b != null)).orElseThrow();
    assertThat(parsed.effective()).as("the annotations, parsed").hasValueSatisfying(spec -> {
      assertThat(spec.autoPromote()).isEqualTo(autoPromote);
      assertThat(spec.autoAbort()).isEqualTo(autoAbort);
      assertThat(spec.analysis().window()).isEqualTo(WINDOW);
    });
    var parts = server.server();
    return new ShadowAutomation(parts.reconciler()::lastBuild, judge, new MirrorEditor(parts.source(), parts.reconciler(), parts.versions()), events, leadership, clock);
  }

  private ModelBuild awaitBuild(Predicate<ModelBuild> matching) {
    for (int i = 0; i < 500 && !matching.test(server.server().reconciler().lastBuild()); i++) {
      AdsTestClient.sleep(10);
    }
    ModelBuild build = server.server().reconciler().lastBuild();
    assertThat(matching.test(build)).as("a build that matches, within 5 s").isTrue();
    return build;
  }

  private static Optional<MirrorStatus> status(ModelBuild build) {
    return build == null ? Optional.empty()
        : build.statuses().stream().filter(s -> s.service().equals(APP)).findFirst();
  }

  private Map<String, String> annotationsInFile() throws Exception {
    return MirrorEditor.mirrorAnnotations(server.server().source().annotationWriter().currentAnnotations(APP));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  @DisplayName("each verdict change is one Event and one log line, not one per tick; without the flags nothing is written")
  void verdictChangesOnce() throws Exception {
    ShadowAutomation automation = start("app-v2", false, false, Leadership.ALWAYS);
    String fileBefore = Files.readString(directory.resolve("demo.yaml"));

    judge.set(APP, comparison(APP_80, V2_80, Verdict.INSUFFICIENT_DATA, START));
    assertThat(automation.tick().changes()).as("every target starts without data: not a change").isEmpty();

    judge.set(APP, comparison(APP_80, V2_80, Verdict.PASSING, START));
    ShadowAutomation.Tick passing = automation.tick();
    assertThat(automation.tick().changes()).as("the same verdict again").isEmpty();

    judge.set(APP, comparison(APP_80, V2_80, Verdict.FAILING, START));
    ShadowAutomation.Tick failing = automation.tick();

    assertThat(passing.changes()).extracting(VerdictChange::message).containsExactly(
        "shadow shadow-demo/app-v2:80 of shadow-demo/app-service:80 is PASSING (was INSUFFICIENT_DATA):"
            + " every check is within its threshold");
    assertThat(failing.changes()).extracting(VerdictChange::message).containsExactly(
        "shadow shadow-demo/app-v2:80 of shadow-demo/app-service:80 is FAILING (was PASSING):"
            + " 5xx rate 15.00% vs 1.00% (threshold +1.00 points)");
    assertThat(events.events).extracting(e -> e.type() + " " + e.reason())
        .containsExactly("NORMAL ShadowPassing", "WARNING ShadowFailing");
    assertThat(events.events).allSatisfy(e -> assertThat(e.service()).isEqualTo(APP));
    assertThat(passing.actions()).isEmpty();
    assertThat(failing.actions()).isEmpty();
    assertThat(Files.readString(directory.resolve("demo.yaml"))).isEqualTo(fileBefore);
  }

  @Test
  @DisplayName("auto-promote writes promote into the YAML file once the target has passed for a whole window")
  void autoPromoteWritesTheFile() throws Exception {
    ShadowAutomation automation = start("app-v2", true, false, Leadership.ALWAYS);
    judge.set(APP, comparison(APP_80, V2_80, Verdict.PASSING, START));

    clock.advance(WINDOW.minusSeconds(1));
    assertThat(automation.tick().actions()).as("a second short of the window").isEmpty();
    assertThat(annotationsInFile()).doesNotContainKey("shadow-mirroring.io/promote");

    clock.advance(Duration.ofSeconds(1));
    ShadowAutomation.Tick promoted = automation.tick();

    assertThat(promoted.actions()).extracting(AutomaticAction::message).containsExactly(
        "promoted shadow-demo/app-v2 on shadow-demo/app-service: PASSING for at least 1m (auto-promote)");
    assertThat(annotationsInFile()).isEqualTo(Map.of("shadow-mirroring.io/mirror-to", "app-v2",
        "shadow-mirroring.io/promote", "app-v2", AUTO_PROMOTE, "true", ANALYSIS, "window=1m"));
    assertThat(Files.readString(directory.resolve("demo.yaml")))
        .contains("# Services of the demo; this comment must survive automatic edits.", "team: payments");
    assertThat(events.events).extracting(ServiceEvent::reason).containsExactly("ShadowPassing", "ShadowPromoted");
    MirrorStatus served = status(awaitBuild(b -> status(b).map(s -> s.state() == MirrorStatus.State.PROMOTED)
        .orElse(false))).orElseThrow();
    assertThat(served.promotedByPort()).containsEntry(80, V2_80);

    assertThat(automation.tick().actions()).as("promoted already: nothing more to do").isEmpty();
    assertThat(events.events).hasSize(2);
  }

  @Test
  @DisplayName("auto-abort removes a FAILING target from mirror-to; the next config version no longer mirrors to it")
  void autoAbortRemovesTheTarget() throws Exception {
    ShadowAutomation automation = start("app-v2,app-v3", false, true, Leadership.ALWAYS);
    try (AdsTestClient envoy = server.envoy("front-envoy")) {
      var before = envoy.await("routes mirroring to app-v2 and app-v3", r -> r.getTypeUrl().equals(AdsTestClient.RDS)
          && mirrorsTo(r, "app-v2") && mirrorsTo(r, "app-v3"), Duration.ofSeconds(10));
      judge.set(APP, comparison(APP_80, V2_80, Verdict.FAILING, START),
          comparison(APP_80, V3_80, Verdict.PASSING, START));

      ShadowAutomation.Tick aborted = automation.tick();

      assertThat(aborted.actions()).extracting(a -> a.kind() + " " + a.target())
          .containsExactly("ABORT shadow-demo/app-v2");
      assertThat(annotationsInFile()).isEqualTo(Map.of("shadow-mirroring.io/mirror-to", "app-v3",
          AUTO_ABORT, "true", ANALYSIS, "window=1m"));
      var after = envoy.await("routes mirroring to app-v3 only", r -> r.getTypeUrl().equals(AdsTestClient.RDS)
          && !mirrorsTo(r, "app-v2") && mirrorsTo(r, "app-v3"), Duration.ofSeconds(10));
      assertThat(after.getVersionInfo()).isNotEqualTo(before.getVersionInfo());
      assertThat(events.events).extracting(e -> e.type() + " " + e.reason())
          .containsExactly("WARNING ShadowFailing", "NORMAL ShadowPassing", "WARNING ShadowAborted");
    }
    // The judge still says FAILING (a real one would have stopped comparing it): done already, nothing to write.
    assertThat(automation.tick().actions()).isEmpty();
  }

  @Test
  @DisplayName("auto-abort of the only target removes mirror-to: the Service no longer mirrors")
  void autoAbortOfTheOnlyTarget() throws Exception {
    ShadowAutomation automation = start("app-v2", false, true, Leadership.ALWAYS);
    judge.set(APP, comparison(APP_80, V2_80, Verdict.FAILING, START));

    assertThat(automation.tick().actions()).hasSize(1);

    // The flags stay as the user wrote them; without mirror-to they are checked but have nothing to act on.
    assertThat(annotationsInFile()).isEqualTo(Map.of(AUTO_ABORT, "true", ANALYSIS, "window=1m"));
    assertThat(server.server().source().annotationWriter().currentAnnotations(APP)).containsEntry("team", "payments");
    awaitBuild(b -> status(b).map(s -> s.state() == MirrorStatus.State.NONE).orElse(false));
  }

  @Test
  @DisplayName("a replica that does not lead computes verdicts and logs them, but emits nothing and writes nothing")
  void followerDoesNotAct() throws Exception {
    Leadership follower = () -> false;
    ShadowAutomation automation = start("app-v2", true, true, follower);
    String fileBefore = Files.readString(directory.resolve("demo.yaml"));
    judge.set(APP, comparison(APP_80, V2_80, Verdict.FAILING, START));

    ShadowAutomation.Tick tick = automation.tick();

    assertThat(tick.changes()).extracting(VerdictChange::after).containsExactly(Verdict.FAILING);
    assertThat(tick.actions()).isEmpty();
    assertThat(events.events).isEmpty();
    assertThat(Files.readString(directory.resolve("demo.yaml"))).isEqualTo(fileBefore);
  }

  private static boolean mirrorsTo(io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse rds, String service) {
    return AdsTestClient.mirrorClusters(rds).stream().anyMatch(c -> c.contains("/" + service + ":"));
  }
}
