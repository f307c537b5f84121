package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.shadowmirroring.xds.ServerTls;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.webhook.ServiceAdmission;
import io.shadowmirroring.xds.webhook.WebhookServer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admission webhook as shipped: its ValidatingWebhookConfiguration (failurePolicy Ignore, Services
 * with our keys only), its Service and the xds-server's port, flags and Secret fit together, in the raw
 * manifests and in the chart; and the TLS each of them issues is served by the real webhook server and
 * verified, by the webhook Service's DNS name, against the caBundle the API server would use.
 */
class WebhookDeploymentTest {
  private static final String CONDITION = "has(object.metadata.annotations) && "
      + "object.metadata.annotations.exists(k, k.startsWith('shadow-mirroring.io/'))";

  @TempDir Path directory;

  private static void assertWebhook(ValidatingWebhookConfiguration configuration, String namespace) {
    assertThat(configuration.getWebhooks()).singleElement().satisfies(hook -> {
      assertThat(hook.getName()).isEqualTo("services.shadow-mirroring.io");
      assertThat(hook.getFailurePolicy()).isEqualTo("Ignore");
      assertThat(hook.getSideEffects()).isEqualTo("None");
      assertThat(hook.getAdmissionReviewVersions()).containsExactly("v1");
      assertThat(hook.getTimeoutSeconds()).isEqualTo(5);
      assertThat(hook.getRules()).singleElement().satisfies(rule -> {
        assertThat(rule.getApiGroups()).containsExactly("");
        assertThat(rule.getResources()).containsExactly("services");
        assertThat(rule.getOperations()).containsExactly("CREATE", "UPDATE");
      });
      assertThat(hook.getMatchConditions()).singleElement()
          .satisfies(c -> assertThat(c.getExpression()).isEqualTo(CONDITION));
      assertThat(hook.getClientConfig().getService().getName()).isEqualTo("xds-server-webhook");
      assertThat(hook.getClientConfig().getService().getNamespace()).isEqualTo(namespace);
      assertThat(hook.getClientConfig().getService().getPath()).isEqualTo("/validate");
      assertThat(hook.getClientConfig().getService().getPort()).isEqualTo(443);
    });
  }

  /** The Service's target port is the container's webhook port, which --webhook-port names, with the Secret mounted where the flags look. */
  private static void assertServerServesIt(Deployment deployment, Service service) {
    Container container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(service.getSpec().getSelector()).isEqualTo(Map.of("app", "xds-server"));
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(443);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("webhook");
    });
    ContainerPort port = container.getPorts().stream().filter(p -> p.getName().equals("webhook")).findFirst()
        .orElseThrow();
    assertThat(container.getArgs()).contains("--webhook-port=" + port.getContainerPort(),
        "--webhook-cert=/etc/shadow-mirroring/webhook/tls.crt", "--webhook-key=/etc/shadow-mirroring/webhook/tls.key");
    VolumeMount mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals("webhook-tls"))
        .findFirst().orElseThrow();
    assertThat(mount.getMountPath()).isEqualTo("/etc/shadow-mirroring/webhook");
    Volume volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals("webhook-tls")).findFirst().orElseThrow();
    assertThat(volume.getSecret().getSecretName()).isEqualTo("xds-server-webhook-tls");
  }

  @Test
  @DisplayName("raw manifests: the webhook, its Service and the xds-server's port, flags and Secret fit together")
  void rawManifests() {
    KubeObjects all = KubeObjects.manifests();

    assertWebhook(all.get(ValidatingWebhookConfiguration.class, "shadow-mirroring"), "shadow-mirroring");
    assertServerServesIt(all.get(Deployment.class, "xds-server"), all.get(Service.class, "xds-server-webhook"));
    assertThat(all.get(ValidatingWebhookConfiguration.class, "shadow-mirroring").getWebhooks().get(0)
        .getClientConfig().getCaBundle()).as("filled in by webhook-tls.sh").isEmpty();
  }

  @Test
  @DisplayName("Helm: the chart issues a CA and a certificate for the webhook Service; the real webhook serves it and it verifies against the caBundle")
  void helmTls() throws Exception {
    KubeObjects rendered = HelmChart.render(Map.of());
    ValidatingWebhookConfiguration configuration =
        rendered.get(ValidatingWebhookConfiguration.class, "shadow-demo-shadow-demo-xds-server");
    assertWebhook(configuration, HelmChart.NAMESPACE);
    ValidatingWebhook hook = configuration.getWebhooks().get(0);
    assertThat(hook.getNamespaceSelector().getMatchLabels())
        .isEqualTo(Map.of("kubernetes.io/metadata.name", HelmChart.NAMESPACE));
    assertServerServesIt(rendered.get(Deployment.class, "xds-server"), rendered.get(Service.class, "xds-server-webhook"));

    Secret secret = rendered.get(Secret.class, "xds-server-webhook-tls");
    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(secret.getData().get("ca.crt")).isEqualTo(hook.getClientConfig().getCaBundle());
    assertServedAndVerified(secret.getData(), hook.getClientConfig().getCaBundle(),
        "xds-server-webhook.shadow-demo.svc");
  }

  @Test
  @DisplayName("the shipped front proxy's xds-server serves only mirrored and exposed Services (--expose=mirrored), in the manifests and the chart")
  void shippedServerScopesExposure() {
    for (Deployment server : List.of(KubeObjects.manifests().get(Deployment.class, "xds-server"),
        HelmChart.render(Map.of()).get(Deployment.class, "xds-server"))) {
      assertThat(server.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
          .contains("--expose=mirrored");
    }
    assertThat(HelmChart.render(Map.of("xdsServer.expose", "all")).get(Deployment.class, "xds-server")
        .getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).contains("--expose=all");
  }

  @Test
  @DisplayName("Helm: webhook.enabled=false renders no webhook objects and no webhook flags")
  void helmWithoutWebhook() {
    KubeObjects rendered = HelmChart.render(Map.of("xdsServer.webhook.enabled", "false"));

    assertThat(rendered.ids()).noneMatch(id -> id.contains("webhook") || id.startsWith("ValidatingWebhook"));
    assertThat(rendered.get(Deployment.class, "xds-server").getSpec().getTemplate().getSpec().getContainers().get(0)
        .getArgs()).noneMatch(a -> a.startsWith("--webhook"));
  }

  @Test
  @DisplayName("webhook-tls.sh (raw manifests) applies a TLS Secret and the webhook with its CA as caBundle; the certificate is served and verifies")
  void rawManifestScript() throws Exception {
    assumeThat(onPath("openssl")).as("openssl is not installed; skipping the webhook-tls.sh test").isTrue();
    Path bin = Files.createDirectories(directory.resolve("bin"));
    Path applied = Files.createDirectories(directory.resolve("applied"));
    // A kubectl that records what "kubectl apply -f -" is given.
    Path kubectl = Files.writeString(bin.resolve("kubectl"),
        "#!/bin/sh\nn=$(ls \"$APPLIED\" | grep -c 'yaml$')\ncat > \"$APPLIED/$n.yaml\"\necho \"$@\" > \"$APPLIED/$n.args\"\n");
    kubectl.toFile().setExecutable(true);
    ProcessBuilder script = new ProcessBuilder("sh", RepoFiles.manifest("webhook-tls.sh").toString())
        .redirectErrorStream(true);
    script.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    script.environment().put("APPLIED", applied.toString());
    Process process = script.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();

    assertThat(Files.readString(applied.resolve("0.args")).trim()).isEqualTo("apply -f -");
    Secret secret = KubeObjects.parse(applied.resolve("0.yaml")).get(Secret.class, "xds-server-webhook-tls");
    KubeObjects webhook = KubeObjects.parse(applied.resolve("1.yaml"));
    ValidatingWebhookConfiguration configuration = webhook.get(ValidatingWebhookConfiguration.class, "shadow-mirroring");
    assertWebhook(configuration, "shadow-mirroring");
    assertThat(secret.getMetadata().getNamespace()).isEqualTo("shadow-mirroring");
    String caBundle = configuration.getWebhooks().get(0).getClientConfig().getCaBundle();
    assertThat(caBundle).isEqualTo(secret.getData().get("ca.crt"));
    assertServedAndVerified(secret.getData(), caBundle, "xds-server-webhook.shadow-mirroring.svc");
  }

  private static boolean onPath(String command) {
    return List.of(System.getenv("PATH").split(":")).stream().anyMatch(d -> Files.isExecutable(Path.of(d, command)));
  }

  /**
   * Starts the real webhook server on 127.0.0.1 with the Secret's certificate and key, and connects as
   * the API server would: trusting only the caBundle and checking the certificate against the webhook
   * Service's DNS name.
   */
  private void assertServedAndVerified(Map<String, String> secretData, String caBundle, String serviceDns)
      throws Exception {
    Path cert = Files.write(directory.resolve("tls.crt"), Base64.getDecoder().decode(secretData.get("tls.crt")));
    Path key = Files.write(directory.resolve("tls.key"), Base64.getDecoder().decode(secretData.get("tls.key")));
    Files.createDirectories(directory.resolve("empty"));
    try (ServerTls tls = new ServerTls(new ServerTls.Files(cert, key, Optional.empty()), Duration.ofMinutes(1));
         WebhookServer server = new WebhookServer(new InetSocketAddress("127.0.0.1", 0), tls.sslContext(),
             new ServiceAdmission(new DirectorySource(directory.resolve("empty"), Duration.ofSeconds(1))))) {
      SSLContext client = trusting(Base64.getDecoder().decode(caBundle));
      try (Socket plain = new Socket("127.0.0.1", server.port());
           SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, serviceDns, server.port(), true)) {
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the name must be in the certificate
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        X509Certificate served = (X509Certificate) socket.getSession().getPeerCertificates()[0];
        assertThat(served.getSubjectAlternativeNames().stream().map(san -> String.valueOf(san.get(1))).toList())
            .contains(serviceDns);
        OutputStream out = socket.getOutputStream();
        out.write(("GET /validate HTTP/1.1\r\nHost: " + serviceDns + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
            .startsWith("HTTP/1.1 405");
      }
    }
  }

  private static SSLContext trusting(byte[] caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = new ByteArrayInputStream(caPem)) {
      trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }
}
