package io.shadowmirroring.shadowctl;

import static io.shadowmirroring.shadowctl.FakeMirrorAdmin.name;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.api.admin.v1.CompareRequest;
import io.shadowmirroring.api.admin.v1.DeleteMirrorRequest;
import io.shadowmirroring.api.admin.v1.GetConfigDumpRequest;
import io.shadowmirroring.api.admin.v1.GetMirrorRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.ListProxiesRequest;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.PromoteRequest;
import io.shadowmirroring.api.admin.v1.RollbackRequest;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.api.admin.v1.WatchMirrorsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each command sends: the server must get exactly the request the command line says. */
class RequestsTest {
  private static TestServer server;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    server = TestServer.plaintext();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  @BeforeEach
  void clear() {
    server.admin.clear();
  }

  private Cli.Result shadowctl(String... args) {
    return server.shadowctl(args);
  }

  @Test
  void setSendsTheSpecAsTyped() {
    Cli.Result result = shadowctl("set", "shadow-demo/app-service",
        "--to", "app-shadow-service:8080=50, payments/ledger-shadow", "--to", "audit/recorder",
        "--percent", "25", "--methods", "GET,POST", "--keep-host", "--promote", "app-shadow-service", "--wait");

    assertThat(result.exitCode()).isZero();
    assertThat(server.admin.requests).containsExactly(SetMirrorRequest.newBuilder()
        .setSpec(MirrorSpec.newBuilder()
            .setService(name("shadow-demo", "app-service"))
            .addTargets("app-shadow-service:8080=50")
            .addTargets("payments/ledger-shadow")
            .addTargets("audit/recorder")
            .setPercentage("25")
            .addMethods("GET")
            .addMethods("POST")
            .setKeepHost(true)
            .setPromote("app-shadow-service"))
        .setWait(true)
        .build());
  }

  @Test
  void setLeavesOutWhatWasNotGivenSoTheServerAppliesItsDefaults() {
    shadowctl("set", "shadow-demo/app-service", "--to", "app-shadow-service");

    assertThat(server.admin.requests).containsExactly(SetMirrorRequest.newBuilder()
        .setSpec(MirrorSpec.newBuilder()
            .setService(name("shadow-demo", "app-service"))
            .addTargets("app-shadow-service"))
        .build());
  }

  @Test
  void everyOtherCommandSendsItsArguments() {
    shadowctl("mirrors", "-n", "shadow-demo");
    shadowctl("get", "shadow-demo/app-service");
    shadowctl("delete", "shadow-demo/app-service", "--wait");
    shadowctl("promote", "shadow-demo/app-service", "app-shadow-service");
    shadowctl("rollback", "shadow-demo/app-service", "--wait");
    shadowctl("proxies");
    shadowctl("config-dump", "front-envoy-7d9c");
    shadowctl("watch", "--namespace", "payments");
    shadowctl("compare", "payments/checkout", "-o", "json");

    assertThat(server.admin.requests).containsExactly(
        ListMirrorsRequest.newBuilder().setNamespace("shadow-demo").build(),
        GetMirrorRequest.newBuilder().setService(name("shadow-demo", "app-service")).build(),
        DeleteMirrorRequest.newBuilder().setService(name("shadow-demo", "app-service")).setWait(true).build(),
        PromoteRequest.newBuilder().setService(name("shadow-demo", "app-service")).setTarget("app-shadow-service").build(),
        RollbackRequest.newBuilder().setService(name("shadow-demo", "app-service")).setWait(true).build(),
        ListProxiesRequest.getDefaultInstance(),
        GetConfigDumpRequest.newBuilder().setNodeId("front-envoy-7d9c").build(),
        WatchMirrorsRequest.newBuilder().setNamespace("payments").build(),
        CompareRequest.newBuilder().setService(name("payments", "checkout")).build());
  }

  @Test
  void theTokenFileIsSentAsABearerTokenOnEveryCall() throws Exception {
    Path token = Files.writeString(tmp.resolve("token"), "  " + FakeMirrorAdmin.TOKEN + "\n");

    assertThat(shadowctl("--token-file", token.toString(), "mirrors").exitCode()).isZero();
    assertThat(shadowctl("proxies", "--token-file", token.toString()).exitCode()).isZero();
    assertThat(shadowctl("watch", "--token-file", token.toString()).exitCode()).isZero();

    assertThat(server.admin.authorizations).containsExactly(
        "Bearer " + FakeMirrorAdmin.TOKEN, "Bearer " + FakeMirrorAdmin.TOKEN, "Bearer " + FakeMirrorAdmin.TOKEN);
  }

  @Test
  void withoutATokenFileNoAuthorizationIsSent() {
    shadowctl("mirrors");

    assertThat(server.admin.authorizations).containsExactly("");
  }

  @Test
  void usageErrorsSendNothing() throws Exception {
    Path blank = Files.writeString(tmp.resolve("blank"), "\n");
    List<List<String>> wrong = List.of(
        List.of("set", "shadow-demo/app-service", "--percent", "25"),
        List.of("get", "foo"),
        List.of("promote", "shadow-demo/app-service"),
        List.of("compare"),
        List.of("compare", "shadow-demo"),
        List.of("--token-file", blank.toString(), "mirrors"),
        List.of("--token-file", tmp.resolve("missing").toString(), "mirrors"),
        List.of("--ca-file", tmp.resolve("missing.pem").toString(), "mirrors"),
        List.of("-o", "xml", "mirrors"));
    for (List<String> args : wrong) {
      assertThat(shadowctl(args.toArray(String[]::new)).exitCode()).as("exit code of %s", args).isEqualTo(2);
    }

    assertThat(server.admin.requests).isEmpty();
    assertThat(server.admin.authorizations).isEmpty();
  }
}
