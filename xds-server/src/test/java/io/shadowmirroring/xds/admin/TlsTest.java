package io.shadowmirroring.xds.admin;

import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.shadowmirroring.api.admin.v1.ListMirrorsRequest;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ServerTls;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.FirstBuild;
import io.shadowmirroring.xds.testing.DirectoryServer;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import io.shadowmirroring.xds.testing.TestCertificates;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS on the xDS and admin ports, with certificates re-read when their files change. */
class TlsTest {
  @TempDir Path directory;

  @Test
  @DisplayName("mTLS: a client with a CA-signed cert gets in on both ports, one without is refused, and a renewed server cert is used without a restart")
  void mutualTlsWithReload() throws Exception {
    DirectoryServer.write(directory.resolve("app.yaml"), service("shadow-demo", "app-service", Map.of(), 80, "http"));
    Path pki = Files.createDirectories(directory.resolve("pki"));
    TestCertificates certificates = new TestCertificates();
    certificates.writeCa(pki.resolve("ca.pem"));
    certificates.issue("xds-server", BigInteger.valueOf(100), pki.resolve("server.pem"), pki.resolve("server-key.pem"));
    certificates.issue("envoy", BigInteger.valueOf(200), pki.resolve("client.pem"), pki.resolve("client-key.pem"));
    ServerSettings settings = ServerSettings.loopbackForTests().withTls(new ServerTls.Files(
        pki.resolve("server.pem"), pki.resolve("server-key.pem"), Optional.of(pki.resolve("ca.pem"))));

    SnapshotConstraints constraints = new SnapshotConstraints();
    try (ShadowMirroringServer server = ShadowMirroringServer.start(settings,
        new DirectorySource(directory.resolve("app.yaml").getParent(), Duration.ofMillis(30)))) {
      constraints.watch(server);
      FirstBuild.await(server);
      TlsChannelCredentials.Builder trusted = TlsChannelCredentials.newBuilder().trustManager(pki.resolve("ca.pem").toFile());
      var withClientCert = trusted.keyManager(pki.resolve("client.pem").toFile(), pki.resolve("client-key.pem").toFile())
          .build();

      assertThat(serverSerial(server.adminPort(), withClientCert)).isEqualTo(BigInteger.valueOf(100));
      ManagedChannel xds = Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(), withClientCert).build();
      try {
        assertThat(HealthGrpc.newBlockingStub(xds).withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance())).isNotNull();
      } finally {
        xds.shutdownNow();
      }

      var withoutClientCert = TlsChannelCredentials.newBuilder().trustManager(pki.resolve("ca.pem").toFile()).build();
      assertThatThrownBy(() -> serverSerial(server.adminPort(), withoutClientCert))
          .isInstanceOf(StatusRuntimeException.class).hasMessageStartingWith("UNAVAILABLE");

      certificates.issue("xds-server", BigInteger.valueOf(101), pki.resolve("server.pem"), pki.resolve("server-key.pem"));
      BigInteger served = BigInteger.ZERO;
      for (int i = 0; i < 100 && !served.equals(BigInteger.valueOf(101)); i++) {
        AdsTestClient.sleep(50);
        served = serverSerial(server.adminPort(), withClientCert);
      }
      assertThat(served).as("the renewed certificate").isEqualTo(BigInteger.valueOf(101));
    }
    constraints.assertNoViolations();
  }

  /** Makes one admin call on a fresh connection and returns the serial of the certificate the server showed. */
  private static BigInteger serverSerial(int port, io.grpc.ChannelCredentials credentials) throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    AtomicReference<SSLSession> session = new AtomicReference<>();
    ClientInterceptor capture = new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata headers) {
                session.set(getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                super.onHeaders(headers);
              }
            }, headers);
          }
        };
      }
    };
    try {
      MirrorAdminGrpc.newBlockingStub(io.grpc.ClientInterceptors.intercept(channel, capture))
          .withDeadlineAfter(5, TimeUnit.SECONDS).listMirrors(ListMirrorsRequest.getDefaultInstance());
      return ((X509Certificate) session.get().getPeerCertificates()[0]).getSerialNumber();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
