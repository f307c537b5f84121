package io.shadowmirroring.shadowctl;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.api.admin.v1.Check;
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
import io.shadowmirroring.api.admin.v1.MirrorTarget;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import io.shadowmirroring.api.admin.v1.Proxy;
import io.shadowmirroring.api.admin.v1.ResourceStatus;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.api.admin.v1.SideStats;
import io.shadowmirroring.api.admin.v1.TargetComparison;
import io.shadowmirroring.api.admin.v1.TargetVerdict;
import io.shadowmirroring.api.admin.v1.Verdict;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the real admin service: canned answers, every request recorded, and fixed
 * errors for fixed inputs, so that each CLI path has a server answer to print.
 *
 * <ul>
 *   <li>namespace {@code syncing}: UNAVAILABLE sent by the server itself, for another reason than readiness;
 *   <li>{@link #notReadyAnswers} above 0: that many calls get the server's "not ready" answer first;
 *   <li>namespace {@code locked}: PERMISSION_DENIED on writes;
 *   <li>a percentage above 100: INVALID_ARGUMENT in the server's wording;
 *   <li>{@code shadow-demo/slow}: no answer until the client gives up;
 *   <li>an unknown mirror or node: NOT_FOUND;
 *   <li>{@code rpc/orders}: a gRPC mirror under the default methods, with the server's notice;
 *   <li>compare: a FAILING shadow for {@code shadow-demo/app-service}, two targets for
 *       {@code payments/checkout}, nothing judged for {@code shop/cart}, UNAVAILABLE in {@code syncing}.
 * </ul>
 */
final class FakeMirrorAdmin extends MirrorAdminGrpc.MirrorAdminImplBase {
  static final String TOKEN = "s3cret";

  /** The real server's answer before its first sync (xds-server's ReadinessGuard.NOT_READY). */
  static final String NOT_READY = "not ready: the source has not synced yet";

  static final Mirror APP_SERVICE = Mirror.newBuilder()
      .setService(name("shadow-demo", "app-service"))
      .addTargets(target("shadow-demo", "app-shadow-service", 80, 100))
      .addAllMethods(List.of("GET", "HEAD", "OPTIONS"))
      .setState(Mirror.State.MIRRORING)
      .setConfigVersion("abc123")
      .putAnnotations("shadow-mirroring.io/mirror-to", "app-shadow-service")
      .putAnnotations("shadow-mirroring.io/mirror-percentage", "100")
      .addVerdicts(verdict(80, target("shadow-demo", "app-shadow-service", 80, 100), Verdict.FAILING, false))
      .build();

  static final Mirror CHECKOUT = Mirror.newBuilder()
      .setService(name("payments", "checkout"))
      .addTargets(target("payments", "checkout-v2", 8080, 12.5))
      .addTargets(target("audit", "recorder", 9000, 100))
      .addMethods("*")
      .setState(Mirror.State.INVALID)
      .setError("shadow-mirroring.io/mirror-to=\"checkout-v2:8080=12.5,audit/recorder:90000\": port 90000 is out of range")
      .setConfigVersion("abc123")
      .putAnnotations("shadow-mirroring.io/mirror-to", "checkout-v2:8080=12.5,audit/recorder:90000")
      .putAnnotations("shadow-mirroring.io/mirror-methods", "*")
      .addVerdicts(verdict(8080, target("payments", "checkout-v2", 8080, 12.5), Verdict.PASSING, false))
      .addVerdicts(verdict(9090, target("payments", "checkout-v2", 8080, 12.5), Verdict.INSUFFICIENT_DATA, false))
      .addVerdicts(verdict(8080, target("audit", "recorder", 9000, 100), Verdict.INSUFFICIENT_DATA, true))
      .build();

  static final Mirror CART = Mirror.newBuilder()
      .setService(name("shop", "cart"))
      .addTargets(target("shop", "cart-v2", 80, 100))
      .addAllMethods(List.of("GET", "HEAD", "OPTIONS"))
      .setPromoted("shop/cart-v2")
      .setKeepHost(true)
      .setState(Mirror.State.PROMOTED)
      .setConfigVersion("abc123")
      .putAnnotations("shadow-mirroring.io/mirror-to", "cart-v2")
      .putAnnotations("shadow-mirroring.io/promote", "cart-v2")
      .putAnnotations("shadow-mirroring.io/keep-host", "true")
      .build();

  /** A gRPC port under the default methods: the server says that nothing of it is copied. */
  static final Mirror ORDERS = Mirror.newBuilder()
      .setService(name("rpc", "orders"))
      .addTargets(target("rpc", "orders-v2", 50051, 100))
      .addAllMethods(List.of("GET", "HEAD", "OPTIONS"))
      .setState(Mirror.State.MIRRORING)
      .setConfigVersion("abc123")
      .putAnnotations("shadow-mirroring.io/mirror-to", "orders-v2")
      .addNotices("port 50051 speaks gRPC: every call is a POST, which mirror-methods (GET,HEAD,OPTIONS) does not"
          + " copy; add POST to mirror gRPC")
      .build();

  static final List<Mirror> MIRRORS = List.of(CHECKOUT, ORDERS, APP_SERVICE, CART);

  static final ListProxiesResponse PROXIES = ListProxiesResponse.newBuilder()
      .addProxies(Proxy.newBuilder()
          .setNodeId("front-envoy-7d9c")
          .setCluster("front-proxy")
          .setUserAgent("envoy/1.31.2")
          .setPeerAddress("127.0.0.1:51234")
          .setConnectedSince(timestamp("2025-01-15T09:30:00.250Z"))
          .addResources(resource("envoy.config.cluster.v3.Cluster", "c7", "c7"))
          .addResources(resource("envoy.config.endpoint.v3.ClusterLoadAssignment", "e9", "e9"))
          .addResources(resource("envoy.config.listener.v3.Listener", "l3", "l3"))
          .addResources(resource("envoy.config.route.v3.RouteConfiguration", "r5", "r4").toBuilder()
              .setLastNackVersion("r5")
              .setLastNackError("Proto constraint validation failed (RouteActionValidationError.RequestMirrorPolicies[0]:\n"
                  + " embedded message failed validation)")
              .setLastNackTime(timestamp("2025-01-15T09:41:07Z")))
          .addResources(resource("envoy.extensions.transport_sockets.tls.v3.Secret", "s1", "s1")))
      .addProxies(Proxy.newBuilder()
          .setNodeId("checkout-grpc-0")
          .setCluster("checkout")
          .setUserAgent("grpc-java-netty/1.85.1")
          .setPeerAddress("127.0.0.1:40112")
          .setConnectedSince(timestamp("2025-01-15T09:35:12Z"))
          .setDelta(true)
          .addResources(resource("envoy.config.listener.v3.Listener", "l3", "l3"))
          .addResources(resource("envoy.config.route.v3.RouteConfiguration", "r5", "r5"))
          .addResources(resource("envoy.config.cluster.v3.Cluster", "c7", "")))
      .build();

  static final String CONFIG_DUMP = """
      {
        "configs": [
          {
            "@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",
            "dynamicRouteConfigs": [
              {
                "versionInfo": "r5",
                "routeConfig": {
                  "name": "ingress_http",
                  "virtualHosts": [
                    {
                      "name": "app-service.shadow-demo",
                      "domains": ["*"],
                      "routes": [
                        {
                          "match": {"prefix": "/"},
                          "route": {
                            "cluster": "shadow-demo/app-service:80",
                            "requestMirrorPolicies": [
                              {
                                "cluster": "shadow-demo/app-shadow-service:80",
                                "runtimeFraction": {"defaultValue": {"numerator": 1000000, "denominator": "MILLION"}},
                                "traceSampled": false
                              }
                            ]
                          }
                        }
                      ]
                    }
                  ]
                }
              }
            ]
          }
        ]
      }""";

  static final Comparison APP_COMPARISON = Comparison.newBuilder()
      .setService(name("shadow-demo", "app-service"))
      .addTargets(TargetComparison.newBuilder()
          .setPrimaryPort(80).setTargetNamespace("shadow-demo").setTargetService("app-shadow-service")
          .setTargetPort(80).setVerdict(Verdict.FAILING).setVerdictSince(timestamp("2025-01-15T09:40:00Z"))
          .setProduction(side(1200, 20.0, 1188, 12, 12.5, 48.0))
          .setShadow(side(1180, 19.67, 1003, 177, 13.1, 95.2))
          .addChecks(check("5xx rate", "1.00%", "15.00%", "+14.00 points", "+1.00 points", false,
              "the shadow's 5xx rate exceeds production's by more than 1.00 points at 98% confidence"
                  + " (1180 vs 1200 requests)"))
          .addChecks(check("p50 latency", "12.5 ms", "13.1 ms", "x1.05", "x1.25", true, "within the threshold"))
          .addChecks(check("p99 latency", "48.0 ms", "95.2 ms", "x1.98", "x1.25", false,
              "the shadow's p99 is 1.98 times production's")))
      .build();

  static final Comparison CHECKOUT_COMPARISON = Comparison.newBuilder()
      .setService(name("payments", "checkout"))
      .addTargets(TargetComparison.newBuilder()
          .setPrimaryPort(8080).setTargetNamespace("audit").setTargetService("recorder").setTargetPort(9000)
          .setVerdict(Verdict.INSUFFICIENT_DATA).setVerdictSince(timestamp("2025-01-15T09:00:00Z"))
          .setShadowOverloaded(true)
          .setProduction(side(150, 2.5, 150, 0, 8.0, 20.0))
          .setShadow(SideStats.newBuilder().setRequests(3).setRatePerSecond(0.05).setResponses2Xx(3)
              .setOverflows(147).setProxies(1)))
      .addTargets(TargetComparison.newBuilder()
          .setPrimaryPort(8080).setTargetNamespace("payments").setTargetService("checkout-v2").setTargetPort(8080)
          .setVerdict(Verdict.PASSING).setVerdictSince(timestamp("2025-01-15T09:10:00Z"))
          .setProduction(side(900, 15.0, 899, 1, 8.0, 20.0))
          .setShadow(side(890, 14.83, 890, 0, 7.5, 19.0))
          .addChecks(check("5xx rate", "0.11%", "0.00%", "-0.11 points", "+1.00 points", true, "within the threshold"))
          .addChecks(check("p50 latency", "8.0 ms", "7.5 ms", "x0.94", "x1.25", true, "within the threshold"))
          .addChecks(check("p99 latency", "20.0 ms", "19.0 ms", "x0.95", "x1.25", true, "within the threshold")))
      .build();

  private static final Set<String> APP_TARGETS = Set.of("app-shadow-service", "shadow-demo/app-shadow-service");

  /** Every request, in arrival order. */
  final List<Message> requests = new CopyOnWriteArrayList<>();

  /** The authorization header of every call ("" when absent), recorded by {@link TestServer}. */
  final List<String> authorizations = new CopyOnWriteArrayList<>();

  /** How many of the next calls {@link TestServer} refuses as "not ready", before they reach this service. */
  final AtomicInteger notReadyAnswers = new AtomicInteger();

  /** How many calls were refused as "not ready". */
  final AtomicInteger refusedNotReady = new AtomicInteger();

  void clear() {
    requests.clear();
    authorizations.clear();
    notReadyAnswers.set(0);
    refusedNotReady.set(0);
  }

  @Override
  public void listMirrors(ListMirrorsRequest request, StreamObserver<ListMirrorsResponse> response) {
    requests.add(request);
    if (request.getNamespace().equals("syncing")) {
      response.onError(Status.UNAVAILABLE.withDescription("the Kubernetes API did not answer").asRuntimeException());
      return;
    }
    response.onNext(ListMirrorsResponse.newBuilder().addAllMirrors(MIRRORS.stream()
        .filter(m -> request.getNamespace().isEmpty() || m.getService().getNamespace().equals(request.getNamespace()))
        .toList()).build());
    response.onCompleted();
  }

  @Override
  public void getMirror(GetMirrorRequest request, StreamObserver<Mirror> response) {
    requests.add(request);
    String service = ref(request.getService());
    if (service.equals("shadow-demo/slow")) {
      awaitCancellation();
      response.onError(Status.CANCELLED.asRuntimeException());
      return;
    }
    MIRRORS.stream().filter(m -> ref(m.getService()).equals(service)).findFirst().ifPresentOrElse(
        m -> {
          response.onNext(m);
          response.onCompleted();
        },
        () -> response.onError(Status.NOT_FOUND.withDescription("no mirror on " + service).asRuntimeException()));
  }

  @Override
  public void setMirror(SetMirrorRequest request, StreamObserver<MirrorChange> response) {
    requests.add(request);
    MirrorSpec spec = request.getSpec();
    if (spec.getService().getNamespace().equals("locked")) {
      response.onError(Status.PERMISSION_DENIED
          .withDescription("this token may not change mirrors in namespace locked").asRuntimeException());
      return;
    }
    double percent = spec.getPercentage().isEmpty() ? 100 : Double.parseDouble(spec.getPercentage());
    if (percent > 100) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("shadow-mirroring.io/mirror-percentage=\""
          + spec.getPercentage() + "\": percentage must not exceed 100").asRuntimeException());
      return;
    }
    Mirror.Builder mirror = Mirror.newBuilder()
        .setService(spec.getService())
        .addAllMethods(spec.getMethodsCount() == 0 ? List.of("GET", "HEAD", "OPTIONS") : spec.getMethodsList())
        .setKeepHost(spec.getKeepHost())
        .setState(spec.getPromote().isEmpty() ? Mirror.State.MIRRORING : Mirror.State.PROMOTED)
        .setConfigVersion("abc123")
        .putAnnotations("shadow-mirroring.io/mirror-to", String.join(",", spec.getTargetsList()));
    for (String written : spec.getTargetsList()) {
      mirror.addTargets(parseTarget(spec.getService().getNamespace(), written, percent));
    }
    if (!spec.getPromote().isEmpty()) {
      mirror.setPromoted(spec.getPromote().contains("/")
          ? spec.getPromote() : spec.getService().getNamespace() + "/" + spec.getPromote());
    }
    response.onNext(MirrorChange.newBuilder()
        .setMirror(mirror).setConfigVersion("abc123").setServed(request.getWait()).build());
    response.onCompleted();
  }

  @Override
  public void deleteMirror(DeleteMirrorRequest request, StreamObserver<MirrorChange> response) {
    requests.add(request);
    if (!ref(request.getService()).equals("shadow-demo/app-service")) {
      response.onError(Status.NOT_FOUND.withDescription("no mirror on " + ref(request.getService())).asRuntimeException());
      return;
    }
    response.onNext(MirrorChange.newBuilder()
        .setMirror(Mirror.newBuilder().setService(request.getService()))
        .setConfigVersion("def456").setServed(request.getWait()).build());
    response.onCompleted();
  }

  @Override
  public void promote(PromoteRequest request, StreamObserver<MirrorChange> response) {
    requests.add(request);
    if (!APP_TARGETS.contains(request.getTarget())) {
      response.onError(Status.INVALID_ARGUMENT.withDescription("\"" + request.getTarget()
          + "\" is not a target of " + ref(request.getService()) + " (targets: app-shadow-service)").asRuntimeException());
      return;
    }
    response.onNext(MirrorChange.newBuilder()
        .setMirror(APP_SERVICE.toBuilder()
            .setState(Mirror.State.PROMOTED)
            .setPromoted("shadow-demo/app-shadow-service")
            .setConfigVersion("9f8e7d")
            .putAnnotations("shadow-mirroring.io/promote", request.getTarget()))
        .setConfigVersion("9f8e7d").setServed(request.getWait()).build());
    response.onCompleted();
  }

  @Override
  public void rollback(RollbackRequest request, StreamObserver<MirrorChange> response) {
    requests.add(request);
    response.onNext(MirrorChange.newBuilder()
        .setMirror(APP_SERVICE.toBuilder().setConfigVersion("abc124"))
        .setConfigVersion("abc124").setServed(request.getWait()).build());
    response.onCompleted();
  }

  @Override
  public void listProxies(ListProxiesRequest request, StreamObserver<ListProxiesResponse> response) {
    requests.add(request);
    response.onNext(PROXIES);
    response.onCompleted();
  }

  @Override
  public void getConfigDump(GetConfigDumpRequest request, StreamObserver<ConfigDump> response) {
    requests.add(request);
    if (!request.getNodeId().equals("front-envoy-7d9c")) {
      response.onError(Status.NOT_FOUND
          .withDescription("no proxy with node id \"" + request.getNodeId() + "\" is connected").asRuntimeException());
      return;
    }
    response.onNext(ConfigDump.newBuilder().setJson(CONFIG_DUMP).build());
    response.onCompleted();
  }

  /** Three events, then the end of the stream, so that a test of watch terminates. */
  @Override
  public void watchMirrors(WatchMirrorsRequest request, StreamObserver<MirrorEvent> response) {
    requests.add(request);
    List<MirrorEvent> events = List.of(
        MirrorEvent.newBuilder().setKind(MirrorEvent.Kind.UPSERTED).setMirror(APP_SERVICE).build(),
        MirrorEvent.newBuilder().setKind(MirrorEvent.Kind.UPSERTED).setMirror(CHECKOUT).build(),
        MirrorEvent.newBuilder().setKind(MirrorEvent.Kind.DELETED)
            .setMirror(Mirror.newBuilder().setService(CART.getService())).build());
    events.stream()
        .filter(e -> request.getNamespace().isEmpty()
            || e.getMirror().getService().getNamespace().equals(request.getNamespace()))
        .forEach(response::onNext);
    response.onCompleted();
  }

  @Override
  public void compare(CompareRequest request, StreamObserver<Comparison> response) {
    requests.add(request);
    String service = ref(request.getService());
    if (request.getService().getNamespace().equals("syncing")) {
      response.onError(Status.UNAVAILABLE.withDescription("the Kubernetes API did not answer")
          .asRuntimeException());
      return;
    }
    Comparison answer = switch (service) {
      case "shadow-demo/app-service" -> APP_COMPARISON;
      case "payments/checkout" -> CHECKOUT_COMPARISON;
      case "shop/cart" -> Comparison.newBuilder().setService(request.getService()).build();
      default -> null;
    };
    if (answer == null) {
      response.onError(Status.NOT_FOUND.withDescription("service " + service + " has no mirror").asRuntimeException());
      return;
    }
    response.onNext(answer);
    response.onCompleted();
  }

  private static void awaitCancellation() {
    CountDownLatch cancelled = new CountDownLatch(1);
    Context.current().addListener(context -> cancelled.countDown(), Runnable::run);
    try {
      cancelled.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Just enough of the annotation's syntax to echo a spec back: [ns/]svc[:port][=pct]. */
  private static MirrorTarget parseTarget(String namespace, String written, double percent) {
    String rest = written;
    if (rest.contains("=")) {
      percent = Double.parseDouble(rest.substring(rest.indexOf('=') + 1));
      rest = rest.substring(0, rest.indexOf('='));
    }
    int port = 80;
    if (rest.contains(":")) {
      port = Integer.parseInt(rest.substring(rest.indexOf(':') + 1));
      rest = rest.substring(0, rest.indexOf(':'));
    }
    if (rest.contains("/")) {
      namespace = rest.substring(0, rest.indexOf('/'));
      rest = rest.substring(rest.indexOf('/') + 1);
    }
    return target(namespace, rest, port, percent);
  }

  static ServiceName name(String namespace, String name) {
    return ServiceName.newBuilder().setNamespace(namespace).setName(name).build();
  }

  private static MirrorTarget target(String namespace, String service, int port, double percentage) {
    return MirrorTarget.newBuilder()
        .setNamespace(namespace).setService(service).setPort(port).setPercentage(percentage).build();
  }

  private static TargetVerdict verdict(int port, MirrorTarget target, Verdict verdict, boolean overloaded) {
    return TargetVerdict.newBuilder().setPrimaryPort(port).setTarget(target).setVerdict(verdict)
        .setVerdictSince(timestamp("2025-01-15T09:40:00Z")).setShadowOverloaded(overloaded).build();
  }

  private static SideStats side(long requests, double rate, long ok, long errors, double p50, double p99) {
    return SideStats.newBuilder().setRequests(requests).setRatePerSecond(rate).setResponses2Xx(ok)
        .setResponses5Xx(errors).setP50Ms(p50).setP90Ms((p50 + p99) / 2).setP99Ms(p99).setProxies(2).build();
  }

  private static Check check(String metric, String production, String shadow, String delta, String threshold,
      boolean ok, String reason) {
    return Check.newBuilder().setMetric(metric).setProduction(production).setShadow(shadow).setDelta(delta)
        .setThreshold(threshold).setOk(ok).setReason(reason).build();
  }

  private static ResourceStatus resource(String type, String sent, String acked) {
    return ResourceStatus.newBuilder()
        .setTypeUrl("type.googleapis.com/" + type).setVersionSent(sent).setVersionAcked(acked).build();
  }

  private static Timestamp timestamp(String iso) {
    Instant instant = Instant.parse(iso);
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static String ref(ServiceName name) {
    return name.getNamespace() + "/" + name.getName();
  }
}
