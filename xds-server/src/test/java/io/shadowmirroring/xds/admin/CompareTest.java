package io.shadowmirroring.xds.admin;

import static io.shadowmirroring.xds.testing.FixedJudge.cluster;
import static io.shadowmirroring.xds.testing.FixedJudge.comparison;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.grpc.StatusRuntimeException;
import io.shadowmirroring.api.admin.v1.Check;
import io.shadowmirroring.api.admin.v1.CompareRequest;
import io.shadowmirroring.api.admin.v1.Comparison;
import io.shadowmirroring.api.admin.v1.GetMirrorRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorEvent;
import io.shadowmirroring.api.admin.v1.MirrorTarget;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SideStats;
import io.shadowmirroring.api.admin.v1.TargetComparison;
import io.shadowmirroring.api.admin.v1.TargetVerdict;
import io.shadowmirroring.api.admin.v1.Verdict;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.FixedJudge;
import io.shadowmirroring.xds.testing.GatedSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Compare, and the verdicts in ListMirrors, GetMirror and WatchMirrors, over the real admin port and in-process. */
class CompareTest {
  private static final ServiceName APP = ServiceName.newBuilder().setNamespace("shadow-demo").setName("app-service")
      .build();
  private static final ServiceRef APP_REF = new ServiceRef("shadow-demo", "app-service");
  private static final Instant SINCE = Instant.parse("2026-01-10T12:00:00Z");
  private static final String DEMO = """
      apiVersion: v1
      kind: Service
      metadata:
        name: app-service
        namespace: shadow-demo
        annotations:
          shadow-mirroring.io/mirror-to: "app-v2=25"
      spec:
        ports:
          - name: http
            port: 80
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: app-v2
        namespace: shadow-demo
      spec:
        ports:
          - name: http
            port: 80
      """;

  @TempDir Path directory;
  private final FixedJudge judge = new FixedJudge();
  private DirectoryServer server;
  private Transport.Connection connection;
  private MirrorAdminGrpc.MirrorAdminBlockingStub admin;

  private void start(Transport transport, boolean ownJudge) throws Exception {
    Files.writeString(directory.resolve("demo.yaml"), DEMO);
    server = ownJudge ? new DirectoryServer(directory) : new DirectoryServer(directory, judge);
    connection = transport.connect(server.server());
    admin = MirrorAdminGrpc.newBlockingStub(connection.channel()).withDeadlineAfter(20, TimeUnit.SECONDS);
    io.shadowmirroring.xds.testing.FirstBuild.await(server.server());
  }

  @AfterEach
  void stop() throws Exception {
    if (connection != null) {
      connection.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static Timestamp since() {
    return Timestamp.newBuilder().setSeconds(SINCE.getEpochSecond()).build();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("Compare answers each target's verdict, both sides' stats and every check")
  void compares(Transport transport) throws Exception {
    start(transport, false);
    judge.set(APP_REF, comparison(cluster("shadow-demo", "app-service", 80), cluster("shadow-demo", "app-v2", 80),
        io.shadowmirroring.xds.analysis.Verdict.FAILING, SINCE));

    Comparison comparison = admin.compare(CompareRequest.newBuilder().setService(APP).build());

    assertThat(comparison).isEqualTo(Comparison.newBuilder().setService(APP).addTargets(TargetComparison.newBuilder()
        .setPrimaryPort(80).setTargetNamespace("shadow-demo").setTargetService("app-v2").setTargetPort(80)
        .setVerdict(Verdict.FAILING).setVerdictSince(since())
        .setProduction(SideStats.newBuilder().setRequests(1200).setRatePerSecond(20.0).setResponses2Xx(1188)
            .setResponses5Xx(12).setP50Ms(12.5).setP90Ms(30.0).setP99Ms(48.0).setProxies(2))
        .setShadow(SideStats.newBuilder().setRequests(1180).setRatePerSecond(19.7).setResponses2Xx(1003)
            .setResponses5Xx(177).setP50Ms(13.0).setP90Ms(31.0).setProxies(2))
        .addChecks(Check.newBuilder().setMetric("5xx rate").setProduction("1.00%").setShadow("15.00%")
            .setDelta("+14.00 points").setThreshold("+1.00 points").setOk(false).setReason(
                "the shadow's 5xx rate is higher than production's beyond the threshold (1180 vs 1200 requests)"))
        .addChecks(Check.newBuilder().setMetric("p50 latency").setProduction("12.5 ms").setShadow("13.0 ms")
            .setDelta("x1.04").setThreshold("x1.25").setOk(true).setReason("within the threshold")))
        .build());
    assertThat(comparison.getTargets(0).getShadow().hasP99Ms()).as("no p99 without latency data").isFalse();
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("Compare of a Service without a mirror is NOT_FOUND; a nameless one INVALID_ARGUMENT")
  void compareErrors(Transport transport) throws Exception {
    start(transport, false);

    assertThatThrownBy(() -> admin.compare(CompareRequest.newBuilder()
        .setService(APP.toBuilder().setName("app-v2")).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessage("NOT_FOUND: service shadow-demo/app-v2 has no mirror");
    assertThatThrownBy(() -> admin.compare(CompareRequest.newBuilder()
        .setService(APP.toBuilder().setName("nope")).build()))
        .hasMessage("NOT_FOUND: service shadow-demo/nope has no mirror");
    assertThatThrownBy(() -> admin.compare(CompareRequest.newBuilder()
        .setService(APP.toBuilder().clearNamespace()).build()))
        .hasMessage("INVALID_ARGUMENT: service needs both a namespace and a name");
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  @DisplayName("ListMirrors and GetMirror carry each target's verdict; WatchMirrors sends a verdict change")
  void verdictsInMirrors(Transport transport) throws Exception {
    start(transport, false);
    var watch = MirrorAdminGrpc.newBlockingStub(connection.channel()).withDeadlineAfter(20, TimeUnit.SECONDS)
        .watchMirrors(WatchMirrorsRequest.getDefaultInstance());
    assertThat(watch.next().getMirror().getVerdictsList()).as("nothing judged yet").isEmpty();

    judge.set(APP_REF, comparison(cluster("shadow-demo", "app-service", 80), cluster("shadow-demo", "app-v2", 80),
        io.shadowmirroring.xds.analysis.Verdict.PASSING, SINCE));
    server.server().automation().tick();

    MirrorEvent changed = watch.next();
    TargetVerdict expected = TargetVerdict.newBuilder().setPrimaryPort(80)
        .setTarget(MirrorTarget.newBuilder().setNamespace("shadow-demo").setService("app-v2").setPort(80)
            .setPercentage(25))
        .setVerdict(Verdict.PASSING).setVerdictSince(since()).build();
    assertThat(changed.getKind()).isEqualTo(MirrorEvent.Kind.UPSERTED);
    assertThat(changed.getMirror().getVerdictsList()).containsExactly(expected);
    Mirror mirror = admin.getMirror(GetMirrorRequest.newBuilder().setService(APP).build());
    assertThat(mirror.getVerdictsList()).containsExactly(expected);
    assertThat(admin.listMirrors(ListMirrorsRequest.getDefaultInstance()).getMirrorsList()).containsExactly(mirror);
  }

  @Test
  @DisplayName("the server's own judge (the analysis) answers Compare: INSUFFICIENT_DATA while no proxy has sent stats")
  void serverJudge() throws Exception {
    start(Transport.REAL_PORT, true);
    io.shadowmirroring.xds.testing.FirstBuild.await(server.server());

    Comparison comparison = admin.compare(CompareRequest.newBuilder().setService(APP).build());

    assertThat(comparison.getTargetsList()).singleElement().satisfies(target -> {
      assertThat(target.getTargetService()).isEqualTo("app-v2");
      assertThat(target.getPrimaryPort()).isEqualTo(80);
      assertThat(target.getVerdict()).isEqualTo(io.shadowmirroring.api.admin.v1.Verdict.INSUFFICIENT_DATA);
      assertThat(target.getProduction().getRequests()).isZero();
      assertThat(target.getShadow().getRequests()).isZero();
    });
  }

  @Test
  @DisplayName("before the source has synced, Compare is UNAVAILABLE")
  void notBeforeSync() throws Exception {
    try (ShadowMirroringServer unsynced = ShadowMirroringServer.start(ServerSettings.loopbackForTests(),
        new GatedSource(), judge)) { // never synced
      connection = Transport.REAL_PORT.connect(unsynced);
      admin = MirrorAdminGrpc.newBlockingStub(connection.channel()).withDeadlineAfter(20, TimeUnit.SECONDS);

      assertThatThrownBy(() -> admin.compare(CompareRequest.newBuilder().setService(APP).build()))
          .hasMessage("UNAVAILABLE: not ready: the source has not synced yet");
    }
  }
}
