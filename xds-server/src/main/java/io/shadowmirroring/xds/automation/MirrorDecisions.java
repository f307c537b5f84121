package io.shadowmirroring.xds.automation;

import io.shadowmirroring.xds.analysis.Check;
import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ServiceRef;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What {@code auto-promote} and {@code auto-abort} make of a mirror's verdicts, and the annotation edits
 * that carry it out. Pure functions: the caller reads the verdicts and writes the result.
 */
final class MirrorDecisions {
  private MirrorDecisions() {}

  /**
   * Aborts come first: every target with a FAILING port is aborted, and nothing is promoted in the same
   * round. Otherwise the first target (in name order) whose every port has been PASSING for at least the
   * analysis window is promoted, unless the mirror is promoted already.
   */
  static List<AutomaticAction> decide(MirrorStatus status, List<TargetComparison> comparisons, Instant now) {
    if (status.effective().isEmpty()
        || (status.state() != MirrorStatus.State.MIRRORING && status.state() != MirrorStatus.State.PROMOTED)) {
      return List.of();
    }
    MirrorSpec spec = status.effective().get();
    Map<ServiceRef, List<TargetComparison>> byTarget = comparisons.stream()
        .collect(Collectors.groupingBy(c -> c.target().service(), TreeMap::new, Collectors.toList()));
    List<AutomaticAction> aborts = new ArrayList<>();
    if (spec.autoAbort()) {
      byTarget.forEach((target, ports) -> {
        List<TargetComparison> failing = ports.stream().filter(c -> c.verdict() == Verdict.FAILING).toList();
        if (!failing.isEmpty()) {
          aborts.add(new AutomaticAction(status.service(), AutomaticAction.Kind.ABORT, target,
              "stopped mirroring " + status.service() + " to " + target + ", which is FAILING (auto-abort): "
                  + failedChecks(failing)));
        }
      });
    }
    if (!aborts.isEmpty()) {
      return aborts;
    }
    if (spec.autoPromote() && spec.promote().isEmpty() && status.state() == MirrorStatus.State.MIRRORING) {
      Duration window = spec.analysis().window();
      for (var entry : byTarget.entrySet()) {
        boolean passedWholeWindow = entry.getValue().stream().allMatch(c -> c.verdict() == Verdict.PASSING
            && !c.verdictSince().plus(window).isAfter(now));
        if (passedWholeWindow) {
          return List.of(new AutomaticAction(status.service(), AutomaticAction.Kind.PROMOTE, entry.getKey(),
              "promoted " + entry.getKey() + " on " + status.service() + ": PASSING for at least "
                  + human(window) + " (auto-promote)"));
        }
      }
    }
    return List.of();
  }

  /** The mirror annotations with {@code promote} naming the target, as kubectl users write it. */
  static Map<String, String> promote(Map<String, String> current, ServiceRef primary, ServiceRef target) {
    Map<String, String> wanted = new TreeMap<>(current);
    wanted.put(MirrorAnnotations.PROMOTE, target.namespace().equals(primary.namespace())
        ? target.name() : target.toString());
    return wanted;
  }

  /**
   * The mirror annotations without the target's entries in {@code mirror-to}. Without any target left,
   * {@code mirror-to} goes, and {@code promote} with it; {@code promote} also goes when it named the target.
   */
  static Map<String, String> abort(Map<String, String> current, ServiceRef primary, ServiceRef target) {
    Map<String, String> wanted = new TreeMap<>(current);
    String mirrorTo = current.get(MirrorAnnotations.MIRROR_TO);
    if (mirrorTo == null) {
      return wanted;
    }
    List<String> kept = Arrays.stream(mirrorTo.split(",")).map(String::trim)
        .filter(entry -> !entry.isEmpty() && !serviceOf(entry, primary.namespace()).equals(target))
        .toList();
    String promote = current.get(MirrorAnnotations.PROMOTE);
    boolean promotedTarget = promote != null && ServiceRef.parse(promote.trim(), primary.namespace()).equals(target);
    if (kept.isEmpty() || promotedTarget) {
      wanted.remove(MirrorAnnotations.PROMOTE);
    }
    if (kept.isEmpty()) {
      wanted.remove(MirrorAnnotations.MIRROR_TO);
    } else {
      wanted.put(MirrorAnnotations.MIRROR_TO, String.join(",", kept));
    }
    return wanted;
  }

  /** The Service of one {@code mirror-to} entry, {@code [namespace/]service[:port][=percent]}. */
  static ServiceRef serviceOf(String entry, String defaultNamespace) {
    String service = entry;
    int equals = service.indexOf('=');
    if (equals >= 0) {
      service = service.substring(0, equals);
    }
    int colon = service.indexOf(':');
    if (colon >= 0) {
      service = service.substring(0, colon);
    }
    return ServiceRef.parse(service.trim(), defaultNamespace);
  }

  private static String failedChecks(List<TargetComparison> failing) {
    List<String> lines = new ArrayList<>();
    for (TargetComparison comparison : failing) {
      for (Check check : comparison.checks()) {
        if (!check.ok()) {
          lines.add("port " + comparison.primary().port() + " " + check.metric() + " " + check.shadow() + " vs "
              + check.production() + " (threshold " + check.threshold() + ")");
        }
      }
    }
    return lines.isEmpty() ? "no failed check reported" : String.join("; ", lines);
  }

  static String human(Duration duration) {
    long seconds = duration.getSeconds();
    if (seconds % 3600 == 0 && seconds > 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0 && seconds > 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }
}
