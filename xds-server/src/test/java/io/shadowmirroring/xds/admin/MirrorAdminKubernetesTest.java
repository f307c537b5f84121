package io.shadowmirroring.xds.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.api.admin.v1.DeleteMirrorRequest;
import io.shadowmirroring.api.admin.v1.GetConfigDumpRequest;
import io.shadowmirroring.api.admin.v1.ListProxiesRequest;
import io.shadowmirroring.api.admin.v1.MirrorEvent;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import java.time.Duration;
import io.shadowmirroring.api.admin.v1.GetMirrorRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The admin API in Kubernetes mode: changes are patches of the Service's annotations in the API server. */
@EnableKubernetesMockClient(crud = true)
class MirrorAdminKubernetesTest {
  private static final ServiceName APP = ServiceName.newBuilder().setNamespace("shadow-demo").setName("app-service").build();

  KubernetesMockServer mockServer;
  KubernetesClient client;

  private ShadowMirroringServer server;
  private final SnapshotConstraints constraints = new SnapshotConstraints();
  private Transport.Connection connection;
  private MirrorAdminGrpc.MirrorAdminBlockingStub admin;

  @BeforeEach
  void createServices() {
    client.resource(service("app-service", Map.of("team", "payments"))).create();
    client.resource(service("app-shadow-service", Map.of())).create();
  }

  private static Service service(String name, Map<String, String> annotations) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace("shadow-demo").withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).withNewTargetPort("http").endPort().endSpec()
        .build();
  }

  private void start(Transport transport) throws Exception {
    server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(), new KubernetesSource(client, List.of(), ""));
    constraints.watch(server);
    connection = transport.connect(server);
    admin = MirrorAdminGrpc.newBlockingStub(connection.channel()).withDeadlineAfter(20, TimeUnit.SECONDS);
    io.shadowmirroring.xds.testing.FirstBuild.await(server);
  }

  @AfterEach
  void stop() throws Exception {
    connection.close();
    server.close();
    constraints.assertNoViolations();
  }

  private Map<String, String> annotations() {
    return client.services().inNamespace("shadow-demo").withName("app-service").get().getMetadata().getAnnotations();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("SetMirror patches the annotations (kubectl shows them), is served, and survives a restart")
  void setMirrorPersists(Transport transport) throws Exception {
    start(transport);

    MirrorChange change = admin.setMirror(SetMirrorRequest.newBuilder().setWait(true).setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("app-shadow-service").setPercentage("12.5").addMethods("GET")).build());

    assertThat(change.getServed()).isTrue();
    assertThat(change.getMirror().getState()).isEqualTo(Mirror.State.MIRRORING);
    assertThat(annotations()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "team", "payments",
        "shadow-mirroring.io/mirror-to", "app-shadow-service",
        "shadow-mirroring.io/mirror-percentage", "12.5",
        "shadow-mirroring.io/mirror-methods", "GET"));

    connection.close();
    server.close();
    start(transport);
    Mirror after = admin.getMirror(GetMirrorRequest.newBuilder().setService(APP).build());
    assertThat(after.getTargets(0).getPercentage()).isEqualTo(12.5);
    assertThat(after.getMethodsList()).containsExactly("GET");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("WatchMirrors follows an annotation made with kubectl; ListProxies and GetConfigDump show a connected proxy")
  void watchProxiesAndConfigDump(Transport transport) throws Exception {
    start(transport);
    var events = MirrorAdminGrpc.newBlockingStub(connection.channel()).withDeadlineAfter(20, TimeUnit.SECONDS)
        .watchMirrors(WatchMirrorsRequest.newBuilder().setNamespace("shadow-demo").build());

    // What `kubectl annotate svc app-service shadow-mirroring.io/mirror-to=app-shadow-service` does.
    client.services().inNamespace("shadow-demo").withName("app-service").edit(s -> {
      s.getMetadata().getAnnotations().put("shadow-mirroring.io/mirror-to", "app-shadow-service");
      return s;
    });
    MirrorEvent event = events.next();
    assertThat(event.getKind()).isEqualTo(MirrorEvent.Kind.UPSERTED);
    assertThat(event.getMirror().getService()).isEqualTo(APP);

    ManagedChannel xds = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    try (AdsTestClient envoy = new AdsTestClient(xds, AdsTestClient.envoyNode("k8s-envoy")).start()) {
      envoy.await("routes", r -> r.getTypeUrl().equals(AdsTestClient.RDS), Duration.ofSeconds(10));
      assertThat(admin.listProxies(ListProxiesRequest.getDefaultInstance()).getProxiesList())
          .extracting(p -> p.getNodeId()).contains("k8s-envoy");
      assertThat(admin.getConfigDump(GetConfigDumpRequest.newBuilder().setNodeId("k8s-envoy").build()).getJson())
          .contains("\"shadow-demo/app-shadow-service:80\"", "request_mirror_policies");
    } finally {
      xds.shutdownNow();
    }
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("quick successive changes build on each other: each starts from the live annotations, not the watch cache")
  void successiveChanges(Transport transport) throws Exception {
    start(transport);

    admin.setMirror(SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("app-shadow-service").setPercentage("10")).build());
    admin.promote(PromoteRequest.newBuilder().setService(APP).setTarget("app-shadow-service").build());

    assertThat(annotations()).containsEntry("shadow-mirroring.io/mirror-percentage", "10")
        .containsEntry("shadow-mirroring.io/promote", "app-shadow-service");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("Promote, Rollback and DeleteMirror patch the Service; an invalid change patches nothing")
  void promoteRollbackDeleteInvalid(Transport transport) throws Exception {
    start(transport);
    admin.setMirror(SetMirrorRequest.newBuilder().setWait(true).setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("app-shadow-service")).build());
    String resourceVersion = client.services().inNamespace("shadow-demo").withName("app-service").get()
        .getMetadata().getResourceVersion();

    assertThatThrownBy(() -> admin.setMirror(SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
        .setService(APP).addTargets("app-service")).build()))
        .hasMessage("INVALID_ARGUMENT: shadow-mirroring.io/mirror-to=\"app-service\": target app-service is the "
            + "Service itself; mirror to another Service");
    assertThat(client.services().inNamespace("shadow-demo").withName("app-service").get()
        .getMetadata().getResourceVersion()).as("nothing was patched").isEqualTo(resourceVersion);

    assertThat(admin.promote(PromoteRequest.newBuilder().setService(APP).setTarget("app-shadow-service")
        .setWait(true).build()).getMirror().getState()).isEqualTo(Mirror.State.PROMOTED);
    assertThat(annotations()).containsEntry("shadow-mirroring.io/promote", "app-shadow-service");

    assertThat(admin.rollback(RollbackRequest.newBuilder().setService(APP).setWait(true).build())
        .getMirror().getState()).isEqualTo(Mirror.State.MIRRORING);
    assertThat(annotations()).doesNotContainKey("shadow-mirroring.io/promote");

    admin.deleteMirror(DeleteMirrorRequest.newBuilder().setService(APP).setWait(true).build());
    assertThat(annotations()).containsExactlyEntriesOf(Map.of("team", "payments"));
    assertThat(admin.listMirrors(ListMirrorsRequest.getDefaultInstance()).getMirrorsCount()).isZero();
  }
}
