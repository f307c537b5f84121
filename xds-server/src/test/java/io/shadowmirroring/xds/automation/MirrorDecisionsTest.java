package io.shadowmirroring.xds.automation;

import static io.shadowmirroring.xds.testing.FixedJudge.cluster;
import static io.shadowmirroring.xds.testing.FixedJudge.comparison;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.InvalidMirrorConfigException;
import io.shadowmirroring.xds.model.MirrorAnnotationParser;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ServiceRef;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What auto-promote and auto-abort decide from verdicts, and the annotation edits that carry it out. */
class MirrorDecisionsTest {
  private static final ServiceRef APP = new ServiceRef("shadow-demo", "app-service");
  private static final ServiceRef V2 = new ServiceRef("shadow-demo", "app-v2");
  private static final ServiceRef CANARY = new ServiceRef("canary", "app");
  private static final String TO = "shadow-mirroring.io/mirror-to";
  private static final String PROMOTE = "shadow-mirroring.io/promote";
  private static final Instant NOW = Instant.parse("2026-01-10T12:00:00Z");
  private static final Duration WINDOW = Duration.ofMinutes(3);

  static Stream<Arguments> aborts() {
    return Stream.of(
        // mirror-to, promote (null: none), aborted target, mirror-to after (null: removed), promote after
        Arguments.of("app-v2", null, V2, null, null),
        Arguments.of("app-v2,canary/app:web=1.5", null, V2, "canary/app:web=1.5", null),
        Arguments.of("app-v2, canary/app", "app-v2", V2, "canary/app", null),
        Arguments.of("app-v2,canary/app", "canary/app", V2, "canary/app", "canary/app"),
        Arguments.of("app-v2", "app-v2", V2, null, null),
        Arguments.of("shadow-demo/app-v2:8080=10,app-v3", null, V2, "app-v3", null),
        Arguments.of("app-v2:80,app-v2:metrics", null, V2, null, null),
        Arguments.of("app-v2,canary/app", null, CANARY, "app-v2", null),
        // A name that only starts like the target is another Service.
        Arguments.of("app-v2,app-v20", null, V2, "app-v20", null));
  }

  @ParameterizedTest(name = "{0} (promote {1}) without {2} -> {3} (promote {4})")
  @MethodSource("aborts")
  void abortRemovesTheTarget(String mirrorTo, String promote, ServiceRef target, String mirrorToAfter,
      String promoteAfter) {
    Map<String, String> current = new HashMap<>(Map.of(TO, mirrorTo,
        "shadow-mirroring.io/mirror-percentage", "25"));
    if (promote != null) {
      current.put(PROMOTE, promote);
    }

    Map<String, String> after = MirrorDecisions.abort(current, APP, target);

    Map<String, String> expected = new HashMap<>(Map.of("shadow-mirroring.io/mirror-percentage", "25"));
    if (mirrorToAfter != null) {
      expected.put(TO, mirrorToAfter);
    }
    if (promoteAfter != null) {
      expected.put(PROMOTE, promoteAfter);
    }
    assertThat(after).isEqualTo(expected);
  }

  @Test
  @DisplayName("promote names the target as kubectl users write it: bare in the primary's namespace")
  void promoteWritesTheTarget() {
    Map<String, String> current = Map.of(TO, "app-v2,canary/app");

    assertThat(MirrorDecisions.promote(current, APP, V2)).containsEntry(PROMOTE, "app-v2").containsEntry(TO,
        "app-v2,canary/app");
    assertThat(MirrorDecisions.promote(current, APP, CANARY)).containsEntry(PROMOTE, "canary/app");
  }

  /** The status of app-service with these annotations, parsed as the server parses them. */
  private static MirrorStatus status(MirrorStatus.State state, boolean autoPromote, boolean autoAbort,
      Optional<ServiceRef> promoted) {
    Map<String, String> annotations = new HashMap<>(Map.of(TO, "app-v2,canary/app",
        "shadow-mirroring.io/analysis", "window=3m",
        "shadow-mirroring.io/auto-promote", String.valueOf(autoPromote),
        "shadow-mirroring.io/auto-abort", String.valueOf(autoAbort)));
    promoted.ifPresent(p -> annotations.put(PROMOTE, p.toString()));
    try {
      MirrorSpec spec = new MirrorAnnotationParser().parse(APP, annotations).orElseThrow();
      return new MirrorStatus(APP, state, Optional.of(spec), "", Map.of(), Map.of(), annotations);
    } catch (InvalidMirrorConfigException e) {
      throw new AssertionError(e);
    }
  }

  private static TargetComparison v2(int port, Verdict verdict, Duration ago) {
    return comparison(cluster("shadow-demo", "app-service", port), cluster("shadow-demo", "app-v2", port), verdict,
        NOW.minus(ago));
  }

  private static TargetComparison canary(Verdict verdict, Duration ago) {
    return comparison(cluster("shadow-demo", "app-service", 80), cluster("canary", "app", 80), verdict,
        NOW.minus(ago));
  }

  static Stream<Arguments> decisions() {
    Duration longAgo = Duration.ofMinutes(6);
    Duration whole = WINDOW;
    Duration almost = WINDOW.minusSeconds(1);
    MirrorStatus.State mirroring = MirrorStatus.State.MIRRORING;
    return Stream.of(
        Arguments.of("FAILING with auto-abort: abort", status(mirroring, false, true, Optional.empty()),
            List.of(v2(80, Verdict.FAILING, Duration.ZERO)), List.of("ABORT shadow-demo/app-v2")),
        Arguments.of("FAILING without auto-abort: nothing", status(mirroring, true, false, Optional.empty()),
            List.of(v2(80, Verdict.FAILING, longAgo)), List.of()),
        Arguments.of("PASSING for exactly the window: promote", status(mirroring, true, false, Optional.empty()),
            List.of(v2(80, Verdict.PASSING, whole)), List.of("PROMOTE shadow-demo/app-v2")),
        Arguments.of("PASSING for a second less than the window: nothing",
            status(mirroring, true, false, Optional.empty()), List.of(v2(80, Verdict.PASSING, almost)), List.of()),
        Arguments.of("PASSING without auto-promote: nothing", status(mirroring, false, true, Optional.empty()),
            List.of(v2(80, Verdict.PASSING, longAgo)), List.of()),
        Arguments.of("one port PASSING, the other without data: nothing",
            status(mirroring, true, false, Optional.empty()),
            List.of(v2(80, Verdict.PASSING, longAgo), v2(81, Verdict.INSUFFICIENT_DATA, longAgo)), List.of()),
        Arguments.of("both ports PASSING for the window: promote", status(mirroring, true, false, Optional.empty()),
            List.of(v2(80, Verdict.PASSING, longAgo), v2(81, Verdict.PASSING, whole)),
            List.of("PROMOTE shadow-demo/app-v2")),
        Arguments.of("already promoted: nothing", status(MirrorStatus.State.PROMOTED, true, false, Optional.of(V2)),
            List.of(canary(Verdict.PASSING, longAgo)), List.of()),
        Arguments.of("two targets PASSING: the first by name", status(mirroring, true, false, Optional.empty()),
            List.of(v2(80, Verdict.PASSING, longAgo), canary(Verdict.PASSING, longAgo)),
            List.of("PROMOTE canary/app")),
        Arguments.of("one FAILING, one PASSING, both flags: abort only", status(mirroring, true, true, Optional.empty()),
            List.of(v2(80, Verdict.FAILING, longAgo), canary(Verdict.PASSING, longAgo)),
            List.of("ABORT shadow-demo/app-v2")),
        Arguments.of("two FAILING: both aborted", status(mirroring, false, true, Optional.empty()),
            List.of(v2(80, Verdict.FAILING, longAgo), canary(Verdict.FAILING, longAgo)),
            List.of("ABORT canary/app", "ABORT shadow-demo/app-v2")),
        Arguments.of("invalid annotations: nothing (the edit could not be validated)",
            status(MirrorStatus.State.INVALID, true, true, Optional.empty()),
            List.of(v2(80, Verdict.FAILING, longAgo)), List.of()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("decisions")
  void decides(String name, MirrorStatus status, List<TargetComparison> comparisons, List<String> expected) {
    List<AutomaticAction> actions = MirrorDecisions.decide(status, comparisons, NOW);

    assertThat(actions).extracting(a -> a.kind() + " " + a.target()).containsExactlyElementsOf(expected);
    assertThat(actions).allSatisfy(a -> assertThat(a.service()).isEqualTo(APP));
  }

  @Test
  @DisplayName("an abort says why, check by check; a promotion says for how long the target passed")
  void messages() {
    AutomaticAction abort = MirrorDecisions.decide(status(MirrorStatus.State.MIRRORING, false, true,
        Optional.empty()), List.of(v2(80, Verdict.FAILING, Duration.ZERO)), NOW).get(0);
    AutomaticAction promote = MirrorDecisions.decide(status(MirrorStatus.State.MIRRORING, true, false,
        Optional.empty()), List.of(v2(80, Verdict.PASSING, WINDOW)), NOW).get(0);

    assertThat(abort.message()).isEqualTo("stopped mirroring shadow-demo/app-service to shadow-demo/app-v2, which is"
        + " FAILING (auto-abort): port 80 5xx rate 15.00% vs 1.00% (threshold +1.00 points)");
    assertThat(abort.event().type().kubernetesName()).isEqualTo("Warning");
    assertThat(abort.event().reason()).isEqualTo("ShadowAborted");
    assertThat(promote.message()).isEqualTo(
        "promoted shadow-demo/app-v2 on shadow-demo/app-service: PASSING for at least 3m (auto-promote)");
    assertThat(promote.event().type().kubernetesName()).isEqualTo("Normal");
    assertThat(promote.event().reason()).isEqualTo("ShadowPromoted");
  }
}
