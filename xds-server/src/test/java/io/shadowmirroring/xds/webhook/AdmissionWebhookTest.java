package io.shadowmirroring.xds.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ServerTls;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.WebhookSettings;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.TestCertificates;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The validating admission webhook over real HTTPS on 127.0.0.1, fed AdmissionReview v1 requests as
 * the API server sends them, against the Kubernetes source on fabric8's mock API server (watching one
 * namespace).
 */
@EnableKubernetesMockClient(crud = true)
@DisplayName("Admission webhook: AdmissionReview v1 over HTTPS, allow and deny with the model's exact reason")
class AdmissionWebhookTest {
  private static final String NS = "shadow-demo";
  private static final String TO = "shadow-mirroring.io/mirror-to";
  private static final String PERCENT = "shadow-mirroring.io/mirror-percentage";
  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  static KubernetesMockServer mockServer;
  static KubernetesClient client;

  @TempDir static Path pki;
  private static ShadowMirroringServer server;
  private static HttpClient https;
  private static URI validate;

  // One server for the class: every case is a request against the same stored Services.
  @BeforeAll
  static void start() throws Exception {
    TestCertificates certificates = new TestCertificates();
    certificates.writeCa(pki.resolve("ca.pem"));
    certificates.issue("xds-server-webhook", BigInteger.TEN, pki.resolve("webhook.pem"), pki.resolve("webhook-key.pem"));
    for (String name : List.of("app-service", "app-shadow-service")) {
      client.resource(new ServiceBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
          .withNewSpec().addNewPort().withName("http").withPort(80).withProtocol("TCP").endPort().endSpec().build())
          .create();
    }
    ServerSettings settings = ServerSettings.loopbackForTests().withWebhook(new WebhookSettings("127.0.0.1", 0,
        new ServerTls.Files(pki.resolve("webhook.pem"), pki.resolve("webhook-key.pem"), Optional.empty())));
    server = ShadowMirroringServer.start(settings, new KubernetesSource(client, List.of(NS), ""));
    for (int i = 0; i < 1000 && server.source().inventory().services().size() < 2; i++) {
      AdsTestClient.sleep(10);
    }
    assertThat(server.source().inventory().services()).extracting(ServiceInput::ref)
        .contains(new ServiceRef(NS, "app-shadow-service"));
    https = HttpClient.newBuilder().sslContext(trusting(pki.resolve("ca.pem"))).build();
    validate = URI.create("https://127.0.0.1:" + server.webhookPort() + "/validate");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static String service(String namespace, String name, Map<String, String> annotations) {
    String json = new TreeMap<>(annotations).entrySet().stream()
        .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(","));
    return """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"%s","namespace":"%s","annotations":{%s}},\
        "spec":{"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080}]}}"""
        .formatted(name, namespace, json);
  }

  /** An AdmissionReview v1 request as the API server sends it for a Service. */
  private static String review(String uid, String operation, String namespace, String name, String object,
      String oldObject) {
    return """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"%s",\
        "kind":{"group":"","version":"v1","kind":"Service"},\
        "resource":{"group":"","version":"v1","resource":"services"},\
        "requestKind":{"group":"","version":"v1","kind":"Service"},\
        "requestResource":{"group":"","version":"v1","resource":"services"},\
        "name":"%s","namespace":"%s","operation":"%s","userInfo":{"username":"admin"},\
        "object":%s,"oldObject":%s,"dryRun":false}}"""
        .formatted(uid, name, namespace, operation, object, oldObject);
  }

  private static HttpResponse<String> post(String body) throws Exception {
    return https.send(HttpRequest.newBuilder(validate).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static AdmissionResponse answer(String review) throws Exception {
    HttpResponse<String> response = post(review);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    AdmissionReview answer = JSON.unmarshal(response.body(), AdmissionReview.class);
    assertThat(answer.getApiVersion()).isEqualTo("admission.k8s.io/v1");
    assertThat(answer.getKind()).isEqualTo("AdmissionReview");
    return answer.getResponse();
  }

  private static void assertDenied(AdmissionResponse response, String uid, String message) {
    assertThat(response.getUid()).isEqualTo(uid);
    assertThat(response.getAllowed()).isFalse();
    assertThat(response.getStatus().getCode()).isEqualTo(403);
    assertThat(response.getStatus().getMessage()).isEqualTo(message);
    assertThat(response.getWarnings()).isNullOrEmpty();
  }

  private static void assertAllowed(AdmissionResponse response, String uid) {
    assertThat(response.getUid()).isEqualTo(uid);
    assertThat(response.getAllowed()).isTrue();
    assertThat(response.getStatus()).isNull();
  }

  @Test
  @DisplayName("a valid mirror is allowed; an out-of-range percentage, a missing target and an unknown key are denied with the log line's reason")
  void allowAndDeny() throws Exception {
    String valid = service(NS, "app-service", Map.of(TO, "app-shadow-service", PERCENT, "25"));
    assertAllowed(answer(review("uid-1", "CREATE", NS, "app-service", valid, "null")), "uid-1");

    assertDenied(answer(review("uid-2", "UPDATE", NS, "app-service",
            service(NS, "app-service", Map.of(TO, "app-shadow-service", PERCENT, "150")), valid)), "uid-2",
        "invalid mirror config on service shadow-demo/app-service: shadow-mirroring.io/mirror-percentage=\"150\": "
            + "percentage must not exceed 100");
    assertDenied(answer(review("uid-3", "CREATE", NS, "new-service",
            service(NS, "new-service", Map.of(TO, "does-not-exist")), "null")), "uid-3",
        "invalid mirror config on service shadow-demo/new-service: shadow-mirroring.io/mirror-to=\"does-not-exist\": "
            + "target Service shadow-demo/does-not-exist does not exist");
    assertDenied(answer(review("uid-4", "UPDATE", NS, "app-service",
            service(NS, "app-service", Map.of(TO, "app-shadow-service", "shadow-mirroring.io/mirror-too", "x")),
            valid)), "uid-4",
        "invalid mirror config on service shadow-demo/app-service: shadow-mirroring.io/mirror-too=\"x\": "
            + "unknown annotation; known keys are " + String.join(", ", MirrorAnnotations.KNOWN_KEYS));
  }

  @Test
  @DisplayName("allowed without a check: no keys of ours, a namespace not watched, DELETE, another kind")
  void outOfScopeIsAllowed() throws Exception {
    String invalid = service("elsewhere", "app", Map.of(TO, "nope", PERCENT, "150"));
    assertAllowed(answer(review("a", "CREATE", NS, "plain", service(NS, "plain", Map.of("team", "x")), "null")), "a");
    assertAllowed(answer(review("b", "CREATE", "elsewhere", "app", invalid, "null")), "b");
    assertAllowed(answer(review("c", "DELETE", NS, "app-service", "null",
        service(NS, "app-service", Map.of(PERCENT, "150")))), "c");
    assertAllowed(answer(review("d", "CREATE", NS, "cm", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\"}", "null")
        .replace("\"kind\":\"Service\"", "\"kind\":\"ConfigMap\"")), "d");
  }

  @Test
  @DisplayName("an update that leaves already-stored invalid annotations as they were is allowed, with the reason as a warning")
  void unchangedInvalidAnnotationsAreNotRefused() throws Exception {
    String broken = service(NS, "app-service", Map.of(TO, "gone"));
    String relabelled = broken.replace("\"namespace\"", "\"labels\":{\"team\":\"x\"},\"namespace\"");

    AdmissionResponse response = answer(review("e", "UPDATE", NS, "app-service", relabelled, broken));

    assertAllowed(response, "e");
    assertThat(response.getWarnings()).containsExactly("shadow-mirroring: invalid mirror config on service "
        + "shadow-demo/app-service: shadow-mirroring.io/mirror-to=\"gone\": target Service shadow-demo/gone does not "
        + "exist (unchanged by this update, so not refused)");
  }

  @Test
  @DisplayName("never denies because of its own failure: an object it cannot read is allowed with a warning")
  void internalErrorsAllow() throws Exception {
    AdmissionResponse response = answer(review("f", "CREATE", NS, "odd",
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":\"not an object\"}", "null"));

    assertAllowed(response, "f");
    assertThat(response.getWarnings()).singleElement().asString().startsWith("shadow-mirroring: not checked (");
  }

  @Test
  @DisplayName("HTTP: only POST of an AdmissionReview is answered")
  void httpErrors() throws Exception {
    HttpResponse<String> get = https.send(HttpRequest.newBuilder(validate).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(post("{not json").statusCode()).isEqualTo(400);
    assertThat(post("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}").statusCode())
        .isEqualTo(400);
  }

  @Test
  @DisplayName("before the source has synced, a Service of ours is allowed with a warning rather than judged on a partial view")
  void notSyncedAllows(@TempDir Path empty) {
    ServiceAdmission admission = new ServiceAdmission(new DirectorySource(empty, Duration.ofSeconds(1)));
    AdmissionReview request = JSON.unmarshal(review("g", "CREATE", NS, "app", service(NS, "app",
        Map.of(TO, "nope")), "null"), AdmissionReview.class);

    AdmissionResponse response = admission.review(request).getResponse();

    assertAllowed(response, "g");
    assertThat(response.getWarnings()).containsExactly(
        "shadow-mirroring: not checked, the server has not synced with the cluster yet");
  }
}
