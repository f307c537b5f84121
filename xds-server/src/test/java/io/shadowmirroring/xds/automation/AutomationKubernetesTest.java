package io.shadowmirroring.xds.automation;

import static io.shadowmirroring.xds.testing.FixedJudge.cluster;
import static io.shadowmirroring.xds.testing.FixedJudge.comparison;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.admin.MirrorEditor;
import io.shadowmirroring.xds.analysis.Verdict;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.source.LeaseLeadership;
import io.shadowmirroring.xds.source.LeaseSettings;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.FixedJudge;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The automation in Kubernetes mode against the mock API server (CRUD): the flags and the window are the
 * Service's own annotations, decisions are patches of them, Events land on the Service, and of several
 * replicas only the Lease holder acts.
 */
@EnableKubernetesMockClient(crud = true)
class AutomationKubernetesTest {
  private static final ServiceRef APP = new ServiceRef("shadow-demo", "app-service");
  private static final ClusterRef APP_80 = cluster("shadow-demo", "app-service", 80);
  private static final ClusterRef V2_80 = cluster("shadow-demo", "app-v2", 80);
  private static final ClusterRef V3_80 = cluster("shadow-demo", "app-v3", 80);
  // Not the default 5m: the window the automation waits for comes from the analysis annotation.
  private static final Duration WINDOW = Duration.ofMinutes(2);

  KubernetesMockServer mockServer;
  KubernetesClient client;

  private final FixedJudge judge = new FixedJudge();
  private final List<ShadowMirroringServer> servers = new ArrayList<>();

  @BeforeEach
  void createServices() {
    client.resource(service("app-service", Map.of("team", "payments",
        "shadow-mirroring.io/mirror-to", "app-v2,app-v3",
        "shadow-mirroring.io/auto-promote", "true",
        "shadow-mirroring.io/auto-abort", "true",
        "shadow-mirroring.io/analysis", "window=2m,min-requests=50"))).create();
    client.resource(service("app-v2", Map.of())).create();
    client.resource(service("app-v3", Map.of())).create();
  }

  @AfterEach
  void stop() {
    servers.forEach(ShadowMirroringServer::close);
  }

  private static Service service(String name, Map<String, String> annotations) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace("shadow-demo").withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).endPort().endSpec()
        .build();
  }

  private ShadowMirroringServer server() throws Exception {
    ShadowMirroringServer server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(),
        new KubernetesSource(client, List.of(), ""), judge);
    servers.add(server);
    await("the first build", () -> server.reconciler().lastBuild() != null);
    return server;
  }

  /** The parts a replica's automation is made of; app-service's annotations turn the flags on. */
  private ShadowAutomation automation(ShadowMirroringServer server) {
    return new ShadowAutomation(server.reconciler()::lastBuild, judge,
        new MirrorEditor(server.source(), server.reconciler(), server.versions()), server.source().problemReporter(),
        server.leadership(), Clock.systemUTC());
  }

  private static void await(String what, BooleanSupplier condition) {
    for (int i = 0; i < 1000 && !condition.getAsBoolean(); i++) {
      AdsTestClient.sleep(10);
    }
    assertThat(condition.getAsBoolean()).as(what + " within 10 s").isTrue();
  }

  private Map<String, String> annotations() {
    return client.services().inNamespace("shadow-demo").withName("app-service").get().getMetadata().getAnnotations();
  }

  private List<Event> events(String reason) {
    return client.v1().events().inNamespace("shadow-demo").list().getItems().stream()
        .filter(e -> e.getReason().equals(reason)).toList();
  }

  @Test
  @DisplayName("auto-promote patches promote into the Service's annotations and emits Normal ShadowPassing and ShadowPromoted")
  void autoPromotePatchesTheService() throws Exception {
    ShadowMirroringServer server = server();
    ShadowAutomation automation = automation(server);
    await("leadership", server.leadership()::isLeader);
    judge.set(APP, comparison(APP_80, V2_80, Verdict.PASSING, Instant.now().minus(WINDOW).minusSeconds(1)),
        comparison(APP_80, V3_80, Verdict.INSUFFICIENT_DATA, Instant.now()));
    // Promotion needs every port of a target PASSING; app-v3 has no data, app-v2 passes.

    ShadowAutomation.Tick tick = automation.tick();

    assertThat(tick.actions()).extracting(a -> a.kind() + " " + a.target()).containsExactly("PROMOTE shadow-demo/app-v2");
    assertThat(annotations()).containsEntry("shadow-mirroring.io/promote", "app-v2")
        .containsEntry("shadow-mirroring.io/mirror-to", "app-v2,app-v3").containsEntry("team", "payments");
    Event promoted = events("ShadowPromoted").get(0);
    assertThat(promoted.getType()).isEqualTo("Normal");
    assertThat(promoted.getInvolvedObject().getKind()).isEqualTo("Service");
    assertThat(promoted.getInvolvedObject().getName()).isEqualTo("app-service");
    assertThat(promoted.getMessage()).isEqualTo(
        "promoted shadow-demo/app-v2 on shadow-demo/app-service: PASSING for at least 2m (auto-promote)");
    assertThat(events("ShadowPassing")).singleElement().satisfies(e -> assertThat(e.getType()).isEqualTo("Normal"));
  }

  @Test
  @DisplayName("auto-abort patches the target out of mirror-to and emits Warning ShadowFailing and ShadowAborted")
  void autoAbortPatchesTheService() throws Exception {
    ShadowMirroringServer server = server();
    ShadowAutomation automation = automation(server);
    await("leadership", server.leadership()::isLeader);
    judge.set(APP, comparison(APP_80, V2_80, Verdict.FAILING, Instant.now()));

    assertThat(automation.tick().actions()).hasSize(1);

    assertThat(annotations()).containsEntry("shadow-mirroring.io/mirror-to", "app-v3");
    assertThat(events("ShadowAborted")).singleElement().satisfies(e -> {
      assertThat(e.getType()).isEqualTo("Warning");
      assertThat(e.getMessage()).startsWith("stopped mirroring shadow-demo/app-service to shadow-demo/app-v2");
    });
    assertThat(events("ShadowFailing")).singleElement().satisfies(e -> assertThat(e.getType()).isEqualTo("Warning"));
    await("a build without app-v2", () -> server.reconciler().lastBuild().statuses().stream()
        .filter(s -> s.service().equals(APP)).allMatch(s -> s.targetsByPort().get(80).stream()
            .noneMatch(c -> c.cluster().equals(V2_80))));
  }

  @Test
  @DisplayName("of two replicas on one API server, only the Lease holder writes and emits; the other takes over when it stops")
  void onlyTheLeaderActs() throws Exception {
    ShadowMirroringServer first = server();
    ShadowMirroringServer second = server();
    ShadowAutomation firstAutomation = automation(first);
    ShadowAutomation secondAutomation = automation(second);
    await("one leader", () -> first.leadership().isLeader() || second.leadership().isLeader());
    assertThat(first.leadership().isLeader() && second.leadership().isLeader()).as("never two leaders").isFalse();
    boolean firstLeads = first.leadership().isLeader();
    ShadowMirroringServer leader = firstLeads ? first : second;
    ShadowMirroringServer follower = firstLeads ? second : first;
    assertThat(client.leases().inNamespace("default").withName(LeaseSettings.DEFAULT_NAME).get().getSpec()
        .getHolderIdentity()).isEqualTo(((LeaseLeadership) leader.leadership()).identity());
    judge.set(APP, comparison(APP_80, V2_80, Verdict.FAILING, Instant.now()));

    ShadowAutomation.Tick firstTick = firstAutomation.tick();
    ShadowAutomation.Tick secondTick = secondAutomation.tick();

    assertThat(firstTick.changes()).as("every replica computes verdicts").hasSize(1);
    assertThat(secondTick.changes()).as("every replica computes verdicts").hasSize(1);
    assertThat(List.of(firstTick.actions().size(), secondTick.actions().size()))
        .as("exactly one replica wrote").containsExactlyInAnyOrder(1, 0);
    assertThat((firstLeads ? firstTick : secondTick).actions()).hasSize(1);
    assertThat(annotations()).containsEntry("shadow-mirroring.io/mirror-to", "app-v3");
    assertThat(events("ShadowAborted")).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
    assertThat(events("ShadowFailing")).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(1));

    // The leader stops and releases the Lease: the follower takes over and acts on the next verdict.
    ShadowAutomation survivor = firstLeads ? secondAutomation : firstAutomation;
    servers.remove(leader);
    leader.close();
    await("the follower leads", follower.leadership()::isLeader);
    judge.set(APP, comparison(APP_80, V3_80, Verdict.FAILING, Instant.now()));
    assertThat(survivor.tick().actions()).extracting(a -> a.kind() + " " + a.target())
        .containsExactly("ABORT shadow-demo/app-v3");
    assertThat(annotations()).doesNotContainKey("shadow-mirroring.io/mirror-to").containsEntry("team", "payments");
  }
}
