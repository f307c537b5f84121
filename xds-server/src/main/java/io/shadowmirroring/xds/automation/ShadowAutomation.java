package io.shadowmirroring.xds.automation;

import io.grpc.StatusException;
import io.shadowmirroring.xds.admin.MirrorEditor;
import io.shadowmirroring.xds.analysis.ShadowJudge;
import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.Leadership;
import io.shadowmirroring.xds.source.ProblemReporter;
import io.shadowmirroring.xds.source.ServiceEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic loop behind {@code auto-promote} and {@code auto-abort}. On each tick it asks the judge
 * about every mirrored Service; logs each verdict change once (every replica), and, on the leader only,
 * emits its Event and carries out the decisions of {@link MirrorDecisions} through {@link MirrorEditor},
 * the admin API's own write path: a decision lives in the annotations (or the YAML file), never only here.
 */
public final class ShadowAutomation implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ShadowAutomation.class);

  private final Supplier<ModelBuild> builds;
  private final ShadowJudge judge;
  private final MirrorEditor editor;
  private final ProblemReporter events;
  private final Leadership leadership;
  private final Clock clock;
  private final VerdictMemory memory = new VerdictMemory();
  // A write that fails (say, RBAC) is retried every tick; it is logged once per distinct failure.
  private final Set<String> loggedFailures = new HashSet<>();
  private final List<Runnable> verdictListeners = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService scheduler;
  // Per Service, the inputs of its last decision when that decision was to do nothing, and until when doing
  // nothing stays right: only auto-promote depends on the time, once a PASSING verdict is a window old.
  private final Map<ServiceRef, Idle> idle = new HashMap<>();
  /** How many times {@link MirrorDecisions#decide} ran: what the loops' cost tests count. */
  int decisions;

  private record Idle(MirrorStatus status, List<TargetComparison> comparisons, Instant until) {}

  /** What one tick saw and did. */
  public record Tick(List<VerdictChange> changes, List<AutomaticAction> actions) {
    public Tick {
      changes = List.copyOf(changes);
      actions = List.copyOf(actions);
    }
  }

  /**
   * @param builds the latest build (null before the source has synced)
   * @param events where the leader's Events go
   */
  public ShadowAutomation(Supplier<ModelBuild> builds, ShadowJudge judge, MirrorEditor editor, ProblemReporter events,
      Leadership leadership, Clock clock) {
    this.builds = builds;
    this.judge = judge;
    this.editor = editor;
    this.events = events;
    this.leadership = leadership;
    this.clock = clock;
  }

  /** Ticks every {@code interval} on a thread of its own, until closed. */
  public synchronized void start(Duration interval) {
    if (scheduler != null) {
      return;
    }
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "shadow-automation");
      thread.setDaemon(true);
      return thread;
    });
    scheduler.scheduleWithFixedDelay(() -> {
      try {
        tick();
      } catch (RuntimeException e) {
        LOG.warn("an automation round failed: {}", e.getMessage());
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Called after a tick in which some verdict changed (on every replica), e.g. to refresh watchers.
   *
   * @return stops the listener
   */
  public Runnable onVerdictChange(Runnable listener) {
    verdictListeners.add(listener);
    return () -> verdictListeners.remove(listener);
  }

  /** One round: judge every mirror, report verdict changes, and act where the annotations ask for it. */
  public synchronized Tick tick() {
    ModelBuild build = builds.get();
    if (build == null) {
      return new Tick(List.of(), List.of());
    }
    Instant now = clock.instant();
    boolean leader = leadership.isLeader();
    List<VerdictChange> changes = new ArrayList<>();
    List<AutomaticAction> actions = new ArrayList<>();
    Set<ServiceRef> mirrored = new HashSet<>();
    for (MirrorStatus status : build.statuses()) {
      if (status.state() == MirrorStatus.State.NONE) {
        continue;
      }
      mirrored.add(status.service());
      List<TargetComparison> comparisons;
      try {
        comparisons = judge.compare(status.service());
      } catch (RuntimeException e) {
        LOG.warn("could not judge the shadows of {}: {}", status.service(), e.getMessage());
        continue;
      }
      for (VerdictChange change : memory.update(status.service(), comparisons)) {
        changes.add(change);
        if (change.after() == Verdict.FAILING) {
          LOG.warn(change.message());
        } else {
          LOG.info(change.message());
        }
        if (leader) {
          report(change.event());
        }
      }
      if (leader) {
        actions.addAll(decide(status, comparisons, now));
      }
    }
    memory.retain(mirrored);
    idle.keySet().retainAll(mirrored);
    if (!changes.isEmpty()) {
      verdictListeners.forEach(Runnable::run);
    }
    return new Tick(changes, actions);
  }

  /** The actions carried out for one Service; skips the decision when its inputs did not change. */
  private List<AutomaticAction> decide(MirrorStatus status, List<TargetComparison> comparisons, Instant now) {
    Idle previous = idle.get(status.service());
    if (previous != null && now.isBefore(previous.until()) && TargetComparison.sameInstances(previous.comparisons(), comparisons)
        && (previous.status() == status || previous.status().equals(status))) {
      return List.of();
    }
    decisions++;
    List<AutomaticAction> decided = MirrorDecisions.decide(status, comparisons, now);
    if (decided.isEmpty()) {
      idle.put(status.service(), new Idle(status, comparisons, promotableAt(status, comparisons)));
      return List.of();
    }
    // A decision that was taken is decided again next time: a failed write is retried every tick.
    idle.remove(status.service());
    List<AutomaticAction> done = new ArrayList<>();
    for (AutomaticAction action : decided) {
      if (carryOut(action)) {
        done.add(action);
      }
    }
    return done;
  }

  /** The earliest time a PASSING verdict here has lasted its whole window; the far future when none is. */
  private static Instant promotableAt(MirrorStatus status, List<TargetComparison> comparisons) {
    Instant earliest = Instant.MAX;
    Duration window = status.effective().map(spec -> spec.analysis().window()).orElse(Duration.ZERO);
    for (TargetComparison comparison : comparisons) {
      if (comparison.verdict() == Verdict.PASSING) {
        Instant at = comparison.verdictSince().plus(window);
        earliest = at.isBefore(earliest) ? at : earliest;
      }
    }
    return earliest;
  }

  /** True when the action changed the annotations; false when it was already done or could not be. */
  private boolean carryOut(AutomaticAction action) {
    ServiceRef primary = action.service();
    try {
      editor.apply(primary, current -> {
        Map<String, String> wanted = action.kind() == AutomaticAction.Kind.PROMOTE
            ? MirrorDecisions.promote(current, primary, action.target())
            : MirrorDecisions.abort(current, primary, action.target());
        if (wanted.equals(current)) {
          // Written already (the build that shows it has not arrived yet): nothing to write or report.
          throw new AlreadyDone();
        }
        return wanted;
      }, false, Duration.ZERO);
    } catch (AlreadyDone e) {
      return false;
    } catch (StatusException e) {
      String failure = "could not carry out \"" + action.message() + "\": " + e.getStatus().getCode() + ": "
          + e.getStatus().getDescription();
      if (loggedFailures.add(failure)) {
        LOG.warn(failure);
      }
      return false;
    }
    if (action.kind() == AutomaticAction.Kind.ABORT) {
      LOG.warn(action.message());
    } else {
      LOG.info(action.message());
    }
    report(action.event());
    return true;
  }

  private void report(ServiceEvent event) {
    try {
      events.report(event);
    } catch (RuntimeException e) {
      LOG.warn("could not emit the {} Event on {}: {}", event.reason(), event.service(), e.getMessage());
    }
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
  }

  /** The edit found its result in place already; thrown out of the editor so that nothing is written. */
  private static final class AlreadyDone extends RuntimeException {
    AlreadyDone() {
      super(null, null, false, false);
    }
  }
}
