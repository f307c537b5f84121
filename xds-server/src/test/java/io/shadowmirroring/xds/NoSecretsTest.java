package io.shadowmirroring.xds;

import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.shadowmirroring.api.admin.v1.GetConfigDumpRequest;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorSpec;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.api.admin.v1.SetMirrorRequest;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.TestCertificates;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Secrets the server is given (admin tokens, the TLS private key, kubeconfig credentials) never show in
 * anything it writes or answers: its log (at DEBUG, every library included), {@code /metrics},
 * {@code /readyz}, the admin config dump, CSDS, gRPC status messages, {@code --help} and the one-line
 * errors. The server runs as a real process ({@link Main} on the test class path), with known secret
 * values in real files, and each failure is provoked; every output is then searched for every secret.
 */
class NoSecretsTest {
  private final String adminToken = "admin-" + UUID.randomUUID();
  private final String readToken = "read-" + UUID.randomUUID();
  private final String wrongToken = "wrong-" + UUID.randomUUID();
  private final String kubeToken = "kube-" + UUID.randomUUID();
  private final String kubePassword = "pw-" + UUID.randomUUID();

  @TempDir Path work;

  @Test
  @DisplayName("TLS and admin tokens: log, /metrics, /readyz, config dump, CSDS and refusals hold no token and no key")
  void tlsAndTokens() throws Exception {
    TestCertificates certificates = new TestCertificates();
    Path cert = work.resolve("server.pem");
    Path key = work.resolve("server-key.pem");
    Path ca = work.resolve("ca.pem");
    certificates.issue("localhost", BigInteger.TWO, cert, key);
    certificates.writeCa(ca);
    Path services = Files.createDirectories(work.resolve("services"));
    DirectoryServer.write(services.resolve("app.yaml"), service("shadow-demo", "app-service",
        Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"), 80, "http")
        + "---\n" + service("shadow-demo", "app-shadow-service", Map.of(), 80, "http"));
    int xdsPort = freePort();
    int adminPort = freePort();
    int metricsPort = freePort();
    StringBuilder answers = new StringBuilder();

    Process server = start("tls.log", List.of(), "--source", services.toString(),
        "--xds-address", "127.0.0.1", "--xds-port", "" + xdsPort,
        "--metrics-address", "127.0.0.1", "--metrics-port", "" + metricsPort, "--admin-port", "" + adminPort,
        "--tls-cert", cert.toString(), "--tls-key", key.toString(),
        "--admin-token-file", Files.writeString(work.resolve("token"), adminToken + "\n").toString(),
        "--admin-read-token-file", Files.writeString(work.resolve("read-token"), readToken).toString());
    ChannelCredentials tls = TlsChannelCredentials.newBuilder().trustManager(ca.toFile()).build();
    ManagedChannel xds = Grpc.newChannelBuilderForAddress("127.0.0.1", xdsPort, tls).build();
    ManagedChannel admin = Grpc.newChannelBuilderForAddress("127.0.0.1", adminPort, tls).build();
    try {
      awaitReady(server, metricsPort, "tls.log");
      try (AdsTestClient envoy = new AdsTestClient(xds, AdsTestClient.envoyNode("envoy-secrets")).start()) {
        envoy.await("routes", r -> r.getTypeUrl().equals(AdsTestClient.RDS), Duration.ofSeconds(20));
        var withToken = MirrorAdminGrpc.newBlockingStub(admin).withCallCredentials(bearer(adminToken))
            .withDeadlineAfter(20, TimeUnit.SECONDS);
        answers.append(withToken.listMirrors(ListMirrorsRequest.getDefaultInstance()));
        answers.append(withToken.getConfigDump(GetConfigDumpRequest.newBuilder().setNodeId("envoy-secrets").build()));
        answers.append(ClientStatusDiscoveryServiceGrpc.newBlockingStub(xds).withDeadlineAfter(20, TimeUnit.SECONDS)
            .fetchClientStatus(ClientStatusRequest.newBuilder().setNode(Node.newBuilder().setId("envoy-secrets"))
                .build()));
        SetMirrorRequest change = SetMirrorRequest.newBuilder().setSpec(MirrorSpec.newBuilder()
            .setService(ServiceName.newBuilder().setNamespace("shadow-demo").setName("app-service"))
            .addTargets("app-shadow-service=50")).build();
        Map<String, CallCredentials> refused = new LinkedHashMap<>();
        refused.put("UNAUTHENTICATED", bearer(wrongToken));
        refused.put("PERMISSION_DENIED", bearer(readToken));
        for (Map.Entry<String, CallCredentials> caller : refused.entrySet()) {
          try {
            MirrorAdminGrpc.newBlockingStub(admin).withCallCredentials(caller.getValue())
                .withDeadlineAfter(20, TimeUnit.SECONDS).setMirror(change);
            throw new AssertionError("a change with a wrong or read-only token was accepted");
          } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode().name()).isEqualTo(caller.getKey());
            answers.append(e.getStatus()).append('\n');
          }
        }
      }
      answers.append(get(metricsPort, "/metrics")).append(get(metricsPort, "/readyz"));
      assertThat(answers).as("the answers were collected").contains("envoy-secrets", "shadow_mirroring_xds_streams");
    } finally {
      xds.shutdownNow();
      admin.shutdownNow();
      stop(server);
    }
    assertNoSecrets("the answers (config dump, CSDS, statuses, /metrics, /readyz)", answers.toString(), key);
    assertNoSecrets("the log", log("tls.log"), key);
  }

  @ParameterizedTest(name = "{0} API server")
  @ValueSource(strings = {"refusing", "unreachable"})
  @DisplayName("kubeconfig credentials: an API server that refuses (401) or cannot be reached leaves them out of every output")
  void kubeconfigCredentials(String apiServer) throws Exception {
    List<String> authorizations = new CopyOnWriteArrayList<>();
    HttpServer refusing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    refusing.createContext("/", exchange -> {
      authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      byte[] body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Unauthorized\",\"code\":401}"
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(401, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    refusing.start();
    String url = apiServer.equals("refusing")
        ? "http://127.0.0.1:" + refusing.getAddress().getPort() : "http://127.0.0.1:" + freePort();
    Path kubeconfig = Files.writeString(work.resolve("kubeconfig"), """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "%s"}}]
        users: [{name: u, user: {token: "%s", username: operator, password: "%s"}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c
        """.formatted(url, kubeToken, kubePassword));
    int metricsPort = freePort();
    String logName = apiServer + ".log";
    Process server = start(logName, List.of("KUBECONFIG=" + kubeconfig), "--source", "kubernetes",
        "--xds-address", "127.0.0.1", "--xds-port", "" + freePort(),
        "--metrics-address", "127.0.0.1", "--metrics-port", "" + metricsPort, "--admin-port", "" + freePort(),
        "--admin-token-file", Files.writeString(work.resolve("token"), adminToken).toString());
    StringBuilder answers = new StringBuilder();
    try {
      String readyz = "";
      for (int i = 0; i < 300 && !readyz.startsWith("503"); i++) {
        Thread.sleep(100);
        readyz = tryGet(metricsPort, "/readyz");
      }
      // Let the informers fail, and log it, at least once (bounded).
      for (int i = 0; i < 300 && !(log(logName).contains(" WARN ") || log(logName).contains(" ERROR "))
          || apiServer.equals("refusing") && authorizations.size() < 2 && i < 300; i++) {
        Thread.sleep(100);
      }
      Thread.sleep(1000);
      answers.append(readyz).append(tryGet(metricsPort, "/metrics"));
      assertThat(readyz).as("not ready, and why; log:\n%s", log(logName)).startsWith("503");
      if (apiServer.equals("refusing")) {
        assertThat(authorizations.stream().map(a -> a.replace(kubeToken, "<token>").replace(basic(), "<basic>")))
            .as("the kubeconfig's credentials were used; log:\n%s", tail(log(logName))).isNotEmpty().allSatisfy(a -> assertThat(a).isIn("Bearer <token>", "<basic>"));
      }
    } finally {
      stop(server);
      refusing.stop(0);
    }
    assertNoSecrets("/readyz and /metrics", answers.toString(), null);
    assertNoSecrets("the log", log(logName), null);
  }

  @Test
  @DisplayName("bad key files, a bad flag and --help: the one-line errors hold no key material and no token")
  void errorsAndHelp() throws Exception {
    TestCertificates certificates = new TestCertificates();
    Path cert = work.resolve("server.pem");
    Path key = work.resolve("server-key.pem");
    certificates.issue("localhost", BigInteger.TWO, cert, key);
    Path token = Files.writeString(work.resolve("token"), adminToken);
    String realKey = Files.readString(key);
    String body = realKey.substring(realKey.indexOf('\n') + 1, realKey.indexOf("-----END"));
    // A key whose body is damaged half-way: base64 that decodes, but not to a key.
    Path broken = Files.writeString(work.resolve("broken-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
        + body.substring(0, body.length() / 2).replace('\n', 'A') + "\n-----END PRIVATE KEY-----\n");
    Map<String, List<String>> runs = new LinkedHashMap<>();
    runs.put("broken key", List.of("--tls-cert", cert.toString(), "--tls-key", broken.toString()));
    runs.put("key and certificate swapped", List.of("--tls-cert", key.toString(), "--tls-key", cert.toString()));
    runs.put("the key as the token file", List.of("--admin-token-file", key.toString(), "--admin-address", "0.0.0.0",
        "--admin-port", "" + freePort(), "--tls-cert", cert.toString(), "--tls-key", token.toString()));
    runs.put("a bad flag next to a token", List.of("--admin-token-file", token.toString(), "--max-message-size", "lots"));
    runs.put("--help", List.of("--help"));
    for (Map.Entry<String, List<String>> run : runs.entrySet()) {
      List<String> args = new ArrayList<>(List.of("--source", Files.createDirectories(work.resolve("empty")).toString(),
          "--xds-address", "127.0.0.1", "--xds-port", "" + freePort(),
          "--metrics-address", "127.0.0.1", "--metrics-port", "" + freePort()));
      args.addAll(run.getValue());
      String logName = run.getKey().replace(' ', '-') + ".log";
      Process process = start(logName, List.of(), args.toArray(String[]::new));
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(run.getKey() + " ends by itself").isTrue();
      String output = log(logName);
      assertThat(output).as(run.getKey()).isNotBlank();
      if (!run.getKey().equals("--help")) {
        assertThat(process.exitValue()).as(run.getKey() + ": " + output).isNotZero();
        assertThat(output).as(run.getKey()).contains("xds-server: ");
      }
      assertNoSecrets(run.getKey(), output, key);
    }
  }

  /** Fails naming the output and the kind of secret; the secret itself is not printed. */
  private void assertNoSecrets(String where, String text, Path keyFile) throws IOException {
    Map<String, String> secrets = new LinkedHashMap<>();
    secrets.put("the admin token", adminToken);
    secrets.put("the read-only token", readToken);
    secrets.put("the wrong token a client presented", wrongToken);
    secrets.put("the kubeconfig token", kubeToken);
    secrets.put("the kubeconfig password", kubePassword);
    secrets.put("the kubeconfig basic credentials", basic().substring("Basic ".length()));
    if (keyFile != null) {
      List<String> lines = Files.readAllLines(keyFile).stream().filter(l -> !l.startsWith("-----")).toList();
      for (int i = 0; i < lines.size(); i++) {
        // Every 16 characters of the key's base64, so that a part of a line is found too.
        for (int at = 0; at + 16 <= lines.get(i).length(); at += 16) {
          secrets.put("the private key, line " + (i + 1) + " at " + at, lines.get(i).substring(at, at + 16));
        }
      }
    }
    for (Map.Entry<String, String> secret : secrets.entrySet()) {
      int at = text.indexOf(secret.getValue());
      if (at >= 0) {
        int lineStart = text.lastIndexOf('\n', at) + 1;
        throw new AssertionError(where + " contains " + secret.getKey() + ", in a line starting: "
            + text.substring(lineStart, Math.min(at, lineStart + 160)));
      }
    }
  }

  private String basic() {
    return "Basic " + Base64.getEncoder().encodeToString(("operator:" + kubePassword).getBytes(StandardCharsets.UTF_8));
  }

  /** The server's Main in a JVM of its own, logging at DEBUG, its output (stdout and stderr) in a file. */
  private Process start(String logName, List<String> environment, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=debug", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(work.resolve(logName).toFile());
    builder.environment().remove("KUBECONFIG");
    for (String variable : environment) {
      builder.environment().put(variable.substring(0, variable.indexOf('=')), variable.substring(variable.indexOf('=') + 1));
    }
    return builder.start();
  }

  private static void stop(Process server) throws InterruptedException {
    server.destroy();
    if (!server.waitFor(40, TimeUnit.SECONDS)) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void awaitReady(Process server, int metricsPort, String logName) throws Exception {
    for (int i = 0; i < 600; i++) {
      if (!server.isAlive()) {
        throw new AssertionError("the server exited with " + server.exitValue() + "; log:\n" + log(logName));
      }
      if (tryGet(metricsPort, "/readyz").startsWith("200")) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the server did not become ready within 60 s; log:\n" + log(logName));
  }

  private static String get(int port, String path) throws Exception {
    String answer = tryGet(port, path);
    assertThat(answer).as(path).startsWith("200");
    return answer;
  }

  /** "status body", or "" when the port does not answer. */
  private static String tryGet(int port, String path) throws InterruptedException {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() + " " + response.body();
    } catch (IOException notListening) {
      return "";
    }
  }

  private static String tail(String log) {
    return log.substring(Math.max(0, log.length() - 4000));
  }

  private String log(String name) throws IOException {
    Path file = work.resolve(name);
    return Files.exists(file) ? Files.readString(file) : "";
  }

  private static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        applier.apply(headers);
      }
    };
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
