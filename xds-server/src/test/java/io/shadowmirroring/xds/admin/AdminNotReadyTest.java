package io.shadowmirroring.xds.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.api.admin.v1.DeleteMirrorRequest;
import io.shadowmirroring.api.admin.v1.GetConfigDumpRequest;
import io.shadowmirroring.api.admin.v1.GetMirrorRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.ListProxiesRequest;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import io.shadowmirroring.xds.AdminSettings;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.HeldListApiServer;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The admin API before the source has synced: a server started on an API server that holds back its
 * list of Services (as a slow API server does after every restart or rollout) must refuse every
 * MirrorAdmin call with UNAVAILABLE "not ready", write nothing, keep health and reflection answering,
 * and give the right answers once the list arrives.
 */
class AdminNotReadyTest {
  private static final ServiceName APP = ServiceName.newBuilder().setNamespace("shadow-demo").setName("app-service").build();
  private static final Map<String, String> MIRRORED = Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service");

  private final HeldListApiServer apiServer = new HeldListApiServer();
  private final KubernetesClient kubectl = apiServer.createClient();
  private final ExecutorService starter = Executors.newSingleThreadExecutor();
  private ManagedChannel channel;
  private CompletableFuture<ShadowMirroringServer> started;

  @AfterEach
  void stop() throws Exception {
    apiServer.release();
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (started != null) {
      started.get(30, TimeUnit.SECONDS).close();
    }
    starter.shutdownNow();
    kubectl.close();
    apiServer.close();
  }

  /** Every RPC of the admin API, each called once with a request that would read or change app-service. */
  private static Map<String, Consumer<MirrorAdminGrpc.MirrorAdminBlockingStub>> everyRpc() {
    Map<String, Consumer<MirrorAdminGrpc.MirrorAdminBlockingStub>> rpcs = new LinkedHashMap<>();
    rpcs.put("ListMirrors", s -> s.listMirrors(ListMirrorsRequest.getDefaultInstance()));
    rpcs.put("GetMirror", s -> s.getMirror(GetMirrorRequest.newBuilder().setService(APP).build()));
    rpcs.put("SetMirror", s -> s.setMirror(SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("app-shadow-service").setPercentage("50")).build()));
    rpcs.put("DeleteMirror", s -> s.deleteMirror(DeleteMirrorRequest.newBuilder().setService(APP).build()));
    rpcs.put("Promote", s -> s.promote(PromoteRequest.newBuilder().setService(APP).setTarget("app-shadow-service").build()));
    rpcs.put("Rollback", s -> s.rollback(RollbackRequest.newBuilder().setService(APP).build()));
    rpcs.put("ListProxies", s -> s.listProxies(ListProxiesRequest.getDefaultInstance()));
    rpcs.put("GetConfigDump", s -> s.getConfigDump(GetConfigDumpRequest.newBuilder().setNodeId("early-envoy").build()));
    rpcs.put("WatchMirrors", s -> s.watchMirrors(WatchMirrorsRequest.getDefaultInstance()).hasNext());
    rpcs.put("Compare", s -> s.compare(io.shadowmirroring.api.admin.v1.CompareRequest.newBuilder().setService(APP)
        .build()));
    return rpcs;
  }

  @Test
  @DisplayName("the table below has every RPC of MirrorAdmin: a new one (Compare, verdicts) gets a line there")
  void everyRpcIsInTheTable() {
    assertThat(everyRpc().keySet()).containsExactlyInAnyOrderElementsOf(
        MirrorAdminGrpc.getServiceDescriptor().getMethods().stream().map(m -> m.getBareMethodName()).toList());
  }

  @Test
  @DisplayName("before the first sync every admin RPC is UNAVAILABLE 'not ready' and nothing is written; after it the answers are right")
  void notReadyUntilSynced() throws Exception {
    kubectl.resource(service("app-service", MIRRORED)).create();
    kubectl.resource(service("app-shadow-service", Map.of())).create();
    String resourceVersion = kubectl.services().inNamespace("shadow-demo").withName("app-service").get()
        .getMetadata().getResourceVersion();
    int adminPort = freePort();
    KubernetesClient serverClient = apiServer.createClient();
    started = CompletableFuture.supplyAsync(() -> {
      try {
        return ShadowMirroringServer.start(ServerSettings.loopbackForTests().withAdmin(AdminSettings.loopback(adminPort)),
            new KubernetesSource(serverClient, List.of(), ""));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, starter);
    assertThat(apiServer.awaitListAsked(30, TimeUnit.SECONDS)).as("the server asked for the Services").isTrue();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", adminPort).usePlaintext().build();
    // The admin port opens before the list is asked for; waitForReady only rides over a race with the bind.
    MirrorAdminGrpc.MirrorAdminBlockingStub admin = MirrorAdminGrpc.newBlockingStub(channel).withWaitForReady();

    everyRpc().forEach((name, rpc) -> {
      StatusRuntimeException refused = catchThrowableOfType(
          () -> rpc.accept(admin.withDeadlineAfter(10, TimeUnit.SECONDS)), StatusRuntimeException.class);
      assertThat(refused).as("%s before the sync", name).isNotNull();
      assertThat(refused.getStatus().getCode()).as(name).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(refused.getStatus().getDescription()).as(name).isEqualTo("not ready: the source has not synced yet");
    });
    assertThat(HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .as("gRPC health answers while not ready").isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(reflectedServices()).as("reflection answers while not ready")
        .contains("shadowmirroring.admin.v1.MirrorAdmin");
    assertThat(started).as("the server is still waiting for its list").isNotDone();

    apiServer.release();
    ShadowMirroringServer server = started.get(30, TimeUnit.SECONDS);

    assertThat(kubectl.services().inNamespace("shadow-demo").withName("app-service").get()
        .getMetadata().getResourceVersion()).as("no change was written before the sync").isEqualTo(resourceVersion);
    MirrorAdminGrpc.MirrorAdminBlockingStub ready = awaitReady(admin.withDeadlineAfter(20, TimeUnit.SECONDS));
    assertThat(ready.listMirrors(ListMirrorsRequest.getDefaultInstance()).getMirrorsList())
        .extracting(m -> m.getService().getName(), Mirror::getState)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("app-service", Mirror.State.MIRRORING));
    Mirror mirror = ready.getMirror(GetMirrorRequest.newBuilder().setService(APP).build());
    assertThat(mirror.getConfigVersion()).isEqualTo(server.versions().current()).isNotEmpty();
    assertThat(ready.setMirror(SetMirrorRequest.newBuilder().setWait(true).setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("app-shadow-service").setPercentage("50")).build()).getServed()).isTrue();
    assertThat(kubectl.services().inNamespace("shadow-demo").withName("app-service").get()
        .getMetadata().getAnnotations()).containsEntry("shadow-mirroring.io/mirror-percentage", "50");
  }

  // Ready is one-way: the first call that is not refused proves every later one will not be either.
  private static MirrorAdminGrpc.MirrorAdminBlockingStub awaitReady(MirrorAdminGrpc.MirrorAdminBlockingStub admin) {
    for (int i = 0; i < 500; i++) {
      try {
        admin.listMirrors(ListMirrorsRequest.getDefaultInstance());
        return admin;
      } catch (StatusRuntimeException e) {
        assertThat(e.getStatus().getDescription()).isEqualTo("not ready: the source has not synced yet");
        AdsTestClient.sleep(10);
      }
    }
    throw new AssertionError("the admin API was still not ready 5 s after the sync");
  }

  private List<String> reflectedServices() throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<ServerReflectionResponse> answer = new AtomicReference<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answer.set(value);
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
    requests.onCompleted();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(answer.get()).as("a reflection answer").isNotNull();
    return answer.get().getListServicesResponse().getServiceList().stream().map(s -> s.getName()).toList();
  }

  private static Service service(String name, Map<String, String> annotations) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace("shadow-demo").withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withNewTargetPort("http").endPort().endSpec()
        .build();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
