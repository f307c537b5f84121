package io.shadowmirroring.xds.admin;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.api.admin.v1.CompareRequest;
import io.shadowmirroring.api.admin.v1.Comparison;
import io.shadowmirroring.api.admin.v1.ConfigDump;
import io.shadowmirroring.api.admin.v1.DeleteMirrorRequest;
import io.shadowmirroring.api.admin.v1.GetConfigDumpRequest;
import io.shadowmirroring.api.admin.v1.GetMirrorRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsResponse;
import io.shadowmirroring.api.admin.v1.ListProxiesRequest;
import io.shadowmirroring.api.admin.v1.ListProxiesResponse;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.MirrorEvent;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import io.shadowmirroring.xds.analysis.ShadowJudge;
import io.shadowmirroring.xds.analysis.TargetComparison;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.MirrorReconciler;
import io.shadowmirroring.xds.xds.ProxyRegistry;
import io.shadowmirroring.xds.xds.ProxyStream;
import io.shadowmirroring.xds.xds.SnapshotFactory;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * The {@code MirrorAdmin} gRPC service. Reads come from the latest build, the proxy registry and the
 * shadow judge; every change goes through {@link MirrorEditor}, which validates it as the annotation
 * parser does and writes it to the source of truth.
 *
 * <p>It binds itself behind its {@link ReadinessGuard}, so wherever it is served (the admin port,
 * in-process) every RPC, present and future, answers UNAVAILABLE until the first build.
 */
public final class MirrorAdminService implements MirrorAdminGrpc.AsyncService, BindableService {
  private static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

  private final MirrorReconciler reconciler;
  private final MirrorEditor editor;
  private final ProxyRegistry proxies;
  private final SnapshotPublisher publisher;
  private final ConfigVersions versions;
  private final ShadowJudge judge;
  // Open WatchMirrors streams: each diffs the latest build again when verdicts change between builds.
  private final List<Runnable> watches = new CopyOnWriteArrayList<>();
  private final ReadinessGuard readiness;

  public MirrorAdminService(MirrorReconciler reconciler, MirrorEditor editor, ProxyRegistry proxies,
      SnapshotPublisher publisher, ConfigVersions versions, ShadowJudge judge) {
    this.reconciler = reconciler;
    this.editor = editor;
    this.proxies = proxies;
    this.publisher = publisher;
    this.versions = versions;
    this.judge = judge;
    this.readiness = ReadinessGuard.firstBuild(reconciler);
  }

  // MirrorAdminImplBase's bindService() is final; implementing AsyncService directly lets the guard wrap it.
  @Override
  public ServerServiceDefinition bindService() {
    return readiness.guard(MirrorAdminGrpc.bindService(this));
  }

  /** The guard of this service, for other admin services that read the model (see {@link ReadinessGuard}). */
  public ReadinessGuard readiness() {
    return readiness;
  }

  /** Verdicts changed outside a build (the automation's tick): open watches send what changed. */
  public void verdictsChanged() {
    watches.forEach(Runnable::run);
  }

  @Override
  public void listMirrors(ListMirrorsRequest request, StreamObserver<ListMirrorsResponse> response) {
    try {
      ListMirrorsResponse.Builder result = ListMirrorsResponse.newBuilder();
      String version = versions.current();
      mirrors(request.getNamespace()).forEach(s -> result.addMirrors(view(s, version)));
      complete(response, result.build());
    } catch (StatusException e) {
      response.onError(e);
    }
  }

  @Override
  public void getMirror(GetMirrorRequest request, StreamObserver<Mirror> response) {
    try {
      ServiceRef ref = ref(request.getService());
      MirrorStatus status = mirrors("").stream().filter(s -> s.service().equals(ref)).findFirst()
          .orElseThrow(() -> Status.NOT_FOUND.withDescription("service " + ref + " has no mirror").asException());
      complete(response, view(status, versions.current()));
    } catch (StatusException e) {
      response.onError(e);
    }
  }

  @Override
  public void compare(CompareRequest request, StreamObserver<Comparison> response) {
    try {
      ServiceRef ref = ref(request.getService());
      ModelBuild build = reconciler.lastBuild();
      if (build == null) {
        throw ReadinessGuard.notReady();
      }
      if (mirrors(build, ref.namespace()).stream().noneMatch(s -> s.service().equals(ref))) {
        throw Status.NOT_FOUND.withDescription("service " + ref + " has no mirror").asException();
      }
      List<TargetComparison> comparisons;
      try {
        comparisons = judge.compare(ref);
      } catch (RuntimeException e) {
        throw Status.INTERNAL.withDescription("could not compare the shadows of " + ref + ": " + e.getMessage())
            .asException();
      }
      complete(response, ComparisonViews.comparison(ref, comparisons));
    } catch (StatusException e) {
      response.onError(e);
    }
  }

  /** A mirror with its verdicts; a judge that fails leaves them out rather than failing the read. */
  private Mirror view(MirrorStatus status, String version) {
    List<TargetComparison> comparisons;
    try {
      comparisons = judge.compare(status.service());
    } catch (RuntimeException e) {
      comparisons = List.of();
    }
    return MirrorViews.mirror(status, version, comparisons);
  }

  @Override
  public void setMirror(SetMirrorRequest request, StreamObserver<MirrorChange> response) {
    MirrorSpec spec = request.getSpec();
    change(response, spec.getService(), request.getWait(), current -> {
      Map<String, String> wanted = keepExposure(current);
      wanted.put(MirrorAnnotations.MIRROR_TO, String.join(",", spec.getTargetsList()));
      if (!spec.getPercentage().isEmpty()) {
        wanted.put(MirrorAnnotations.MIRROR_PERCENTAGE, spec.getPercentage());
      }
      if (spec.getMethodsCount() > 0) {
        wanted.put(MirrorAnnotations.MIRROR_METHODS, String.join(",", spec.getMethodsList()));
      }
      if (spec.getKeepHost()) {
        wanted.put(MirrorAnnotations.KEEP_HOST, "true");
      }
      if (!spec.getPromote().isEmpty()) {
        wanted.put(MirrorAnnotations.PROMOTE, spec.getPromote());
      }
      return wanted;
    });
  }

  @Override
  public void deleteMirror(DeleteMirrorRequest request, StreamObserver<MirrorChange> response) {
    change(response, request.getService(), request.getWait(), MirrorAdminService::keepExposure);
  }

  // Exposure is not part of a mirror: replacing or deleting the mirror keeps the Service in scope.
  private static Map<String, String> keepExposure(Map<String, String> current) {
    Map<String, String> kept = new TreeMap<>();
    if (current.containsKey(MirrorAnnotations.EXPOSE)) {
      kept.put(MirrorAnnotations.EXPOSE, current.get(MirrorAnnotations.EXPOSE));
    }
    return kept;
  }

  @Override
  public void promote(PromoteRequest request, StreamObserver<MirrorChange> response) {
    change(response, request.getService(), request.getWait(), current -> {
      Map<String, String> wanted = new TreeMap<>(current);
      wanted.put(MirrorAnnotations.PROMOTE, request.getTarget());
      return wanted;
    });
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<MirrorChange> response) {
    change(response, request.getService(), request.getWait(), current -> {
      Map<String, String> wanted = new TreeMap<>(current);
      wanted.remove(MirrorAnnotations.PROMOTE);
      return wanted;
    });
  }

  @Override
  public void listProxies(ListProxiesRequest request, StreamObserver<ListProxiesResponse> response) {
    ListProxiesResponse.Builder result = ListProxiesResponse.newBuilder();
    proxies.streams().stream()
        .filter(s -> s.node().isPresent())
        .sorted(Comparator.comparing((ProxyStream s) -> s.node().get().getId()).thenComparing(ProxyStream::streamId))
        .forEach(s -> result.addProxies(MirrorViews.proxy(s)));
    complete(response, result.build());
  }

  @Override
  public void getConfigDump(GetConfigDumpRequest request, StreamObserver<ConfigDump> response) {
    Optional<ProxyStream> stream = proxies.streams().stream()
        .filter(s -> s.node().map(Node::getId).filter(request.getNodeId()::equals).isPresent())
        .findFirst();
    if (stream.isEmpty()) {
      response.onError(Status.NOT_FOUND.withDescription("no connected proxy has node id \"" + request.getNodeId()
          + "\"").asException());
      return;
    }
    var snapshot = stream.get().served().map(SnapshotFactory::snapshot);
    if (snapshot.isEmpty()) {
      response.onError(Status.UNAVAILABLE.withDescription("nothing is served to \"" + request.getNodeId()
          + "\" yet").asException());
      return;
    }
    complete(response, ConfigDump.newBuilder()
        .setJson(ConfigDumps.json(ConfigDumps.dump(snapshot.get(), stream.get()))).build());
  }

  @Override
  public void watchMirrors(WatchMirrorsRequest request, StreamObserver<MirrorEvent> response) {
    ServerCallStreamObserver<MirrorEvent> observer = (ServerCallStreamObserver<MirrorEvent>) response;
    Map<ServiceRef, Mirror> sent = new HashMap<>();
    Object lock = new Object();
    // Current state first, then every change; each build's statuses are compared with what was sent.
    // Always diff against the latest build: the first call may run after a newer build was delivered.
    java.util.function.Consumer<ModelBuild> onBuild = ignored -> {
      synchronized (lock) {
        ModelBuild build = reconciler.lastBuild();
        if (observer.isCancelled() || build == null) {
          return;
        }
        String version = versions.current();
        Map<ServiceRef, Mirror> now = new HashMap<>();
        mirrors(build, request.getNamespace()).forEach(s -> now.put(s.service(), view(s, version)));
        now.forEach((ref, mirror) -> {
          Mirror before = sent.get(ref);
          if (before == null || !sameMirror(before, mirror)) {
            observer.onNext(MirrorEvent.newBuilder().setKind(MirrorEvent.Kind.UPSERTED).setMirror(mirror).build());
          }
        });
        sent.forEach((ref, mirror) -> {
          if (!now.containsKey(ref)) {
            observer.onNext(MirrorEvent.newBuilder().setKind(MirrorEvent.Kind.DELETED).setMirror(mirror).build());
          }
        });
        sent.clear();
        sent.putAll(now);
      }
    };
    Runnable stop = reconciler.onBuild(onBuild);
    Runnable refresh = () -> onBuild.accept(null);
    watches.add(refresh);
    observer.setOnCancelHandler(() -> {
      stop.run();
      watches.remove(refresh);
    });
    ModelBuild current = reconciler.lastBuild();
    if (current != null) {
      onBuild.accept(current);
    }
  }

  // The version changes with every config; a mirror "changed" only when what it says changed.
  private static boolean sameMirror(Mirror a, Mirror b) {
    return a.toBuilder().clearConfigVersion().build().equals(b.toBuilder().clearConfigVersion().build());
  }

  // The guard refuses calls before the first build; an empty list here would be the lie it prevents.
  private List<MirrorStatus> mirrors(String namespace) throws StatusException {
    ModelBuild build = reconciler.lastBuild();
    if (build == null) {
      throw ReadinessGuard.notReady();
    }
    return mirrors(build, namespace);
  }

  private static List<MirrorStatus> mirrors(ModelBuild build, String namespace) {
    return build.statuses().stream()
        .filter(s -> s.state() != MirrorStatus.State.NONE)
        .filter(s -> namespace.isEmpty() || s.service().namespace().equals(namespace))
        .sorted(Comparator.comparing(MirrorStatus::service))
        .toList();
  }

  private void change(StreamObserver<MirrorChange> response, ServiceName service, boolean wait,
      UnaryOperator<Map<String, String>> edit) {
    try {
      ServiceRef ref = ref(service);
      MirrorEditor.Outcome outcome = editor.apply(ref, edit, wait, waitBudget());
      MirrorChange.Builder change = MirrorChange.newBuilder()
          .setConfigVersion(outcome.configVersion())
          .setServed(outcome.served());
      outcome.status().ifPresent(s -> change.setMirror(view(s, outcome.configVersion())));
      complete(response, change.build());
    } catch (StatusException e) {
      response.onError(e);
    }
  }

  private static Duration waitBudget() {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      return DEFAULT_WAIT;
    }
    return Duration.ofMillis(Math.max(0, deadline.timeRemaining(TimeUnit.MILLISECONDS) - 100));
  }

  private static ServiceRef ref(ServiceName name) throws StatusException {
    if (name.getNamespace().isBlank() || name.getName().isBlank()) {
      throw Status.INVALID_ARGUMENT.withDescription("service needs both a namespace and a name").asException();
    }
    return new ServiceRef(name.getNamespace(), name.getName());
  }

  private static <T> void complete(StreamObserver<T> response, T value) {
    response.onNext(value);
    response.onCompleted();
  }
}
