package io.shadowmirroring.xds;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for the xDS and admin ports, with mTLS when a client CA is given. Certificates are re-read when
 * their files change (cert-manager renewals, rotated Secrets) without a restart; grpc-java's own
 * file watching would wait at least a minute.
 */
public final class ServerTls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

  /** The PEM files: certificate chain, private key, and the CA that client certificates must chain to. */
  public record Files(Path cert, Path key, Optional<Path> clientCa) {}

  private final Files files;
  private final AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
  private final Optional<AdvancedTlsX509TrustManager> trust;
  private final ScheduledExecutorService reloader;
  private FileTime certSeen;
  private FileTime keySeen;
  private FileTime caSeen;

  public ServerTls(Files files, Duration refresh) throws IOException, GeneralSecurityException {
    this.files = files;
    this.trust = files.clientCa().isPresent()
        ? Optional.of(AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION).build())
        : Optional.empty();
    reload();
    reloader = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "tls-reloader");
      thread.setDaemon(true);
      return thread;
    });
    reloader.scheduleWithFixedDelay(this::reloadQuietly, refresh.toMillis(), refresh.toMillis(), TimeUnit.MILLISECONDS);
  }

  public ServerCredentials credentials() {
    TlsServerCredentials.Builder builder = TlsServerCredentials.newBuilder().keyManager(keys);
    trust.ifPresent(t -> builder.trustManager(t).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE));
    return builder.build();
  }

  /**
   * The same reloading key (and client trust) managers for a JSSE server, such as the admission
   * webhook's HTTPS port: a renewed certificate is served without a restart there too.
   */
  public javax.net.ssl.SSLContext sslContext() throws GeneralSecurityException {
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(new javax.net.ssl.KeyManager[] {keys},
        trust.map(t -> new javax.net.ssl.TrustManager[] {t}).orElse(null), null);
    return context;
  }

  private synchronized void reload() throws IOException, GeneralSecurityException {
    FileTime cert = java.nio.file.Files.getLastModifiedTime(files.cert());
    FileTime key = java.nio.file.Files.getLastModifiedTime(files.key());
    if (!cert.equals(certSeen) || !key.equals(keySeen)) {
      java.security.cert.X509Certificate[] chain;
      try (var in = java.nio.file.Files.newInputStream(files.cert())) {
        chain = io.grpc.util.CertificateUtils.getX509Certificates(in);
      }
      keys.updateIdentityCredentials(chain, PemKeys.read(files.key()));
      certSeen = cert;
      keySeen = key;
    }
    if (trust.isPresent()) {
      FileTime ca = java.nio.file.Files.getLastModifiedTime(files.clientCa().get());
      if (!ca.equals(caSeen)) {
        trust.get().updateTrustCredentials(files.clientCa().get().toFile());
        caSeen = ca;
      }
    }
  }

  private void reloadQuietly() {
    try {
      reload();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      LOG.warn("could not reload TLS files ({}); keeping the current ones: {}", files.cert(), e.getMessage());
    }
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }
}
