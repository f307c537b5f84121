package io.shadowmirroring.shadowctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.TlsServerCredentials;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --tls and --ca-file against a TLS admin port, with a self-signed certificate for 127.0.0.1 made
 * by the JDK's keytool: no key material is checked in.
 */
class TlsTest {
  private static final char[] PASSWORD = "changeit".toCharArray();

  /** Logs every handshake these tests break on purpose, stack trace included; held so the level sticks. */
  private static final Logger SERVER_TRANSPORT =
      Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport");

  @TempDir static Path tmp;

  private static TestServer tlsServer;
  private static TestServer plainServer;
  private static Path caFile;

  @BeforeAll
  static void start() throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    assumeTrue(Files.isExecutable(keytool), "the JDK's keytool is needed to make a test certificate");
    SERVER_TRANSPORT.setLevel(Level.WARNING);
    Path keystore = tmp.resolve("admin.p12");
    caFile = tmp.resolve("ca.pem");
    keytool(keytool, "-genkeypair", "-alias", "admin", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=shadowctl-test", "-ext", "san=ip:127.0.0.1", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit");
    keytool(keytool, "-exportcert", "-rfc", "-alias", "admin", "-keystore", keystore.toString(),
        "-storepass", "changeit", "-file", caFile.toString());

    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      store.load(in, PASSWORD);
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keys.init(store, PASSWORD);
    tlsServer = TestServer.withCredentials(TlsServerCredentials.newBuilder().keyManager(keys.getKeyManagers()).build());
    plainServer = TestServer.plaintext();
  }

  private static void keytool(Path keytool, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(keytool.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("keytool.log").toFile()).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(Files.readString(tmp.resolve("keytool.log"))).isZero();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    SERVER_TRANSPORT.setLevel(null);
    if (tlsServer != null) {
      tlsServer.close();
      plainServer.close();
    }
  }

  @Test
  void caFileTrustsTheAdminPortAndTheOutputIsTheSame() {
    Cli.Result result = Cli.run(Map.of(), List.of("--admin", tlsServer.address(), "--ca-file", caFile.toString(), "mirrors"));

    assertThat(result.err()).isEqualTo(Golden.read("mirrors", "err"));
    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).isEqualTo(Golden.read("mirrors", "out"));
  }

  @Test
  void anUntrustedCertificateIsOneLineAndExitOne() {
    Cli.Result result = Cli.run(Map.of(), List.of("--admin", tlsServer.address(), "--tls", "mirrors"));

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).isEqualTo("shadowctl: cannot reach the admin API at " + tlsServer.address()
        + ": TLS handshake failed: unable to find valid certification path to requested target\n");
  }

  @Test
  void tlsAgainstAPlaintextPortIsOneLineAndExitOne() {
    Cli.Result result = Cli.run(Map.of(),
        List.of("--admin", plainServer.address(), "--ca-file", caFile.toString(), "mirrors"));

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).isEqualTo("shadowctl: cannot reach the admin API at " + plainServer.address()
        + ": TLS handshake failed: the server does not speak TLS (a plaintext port? then leave out --tls and --ca-file)\n");
  }

  @Test
  void plaintextAgainstATlsPortIsOneLineAndExitOne() {
    Cli.Result result = Cli.run(Map.of(), List.of("--admin", tlsServer.address(), "mirrors"));

    // The server hangs up on the plaintext preface; how that surfaces depends on timing.
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err().lines()).singleElement().asString()
        .startsWith("shadowctl: cannot reach the admin API at " + tlsServer.address() + ": ")
        .endsWith(" (a TLS port? then add --tls or --ca-file)");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void aCaFileThatIsNoCertificateIsAUsageError() throws Exception {
    Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "not a certificate\n");

    Cli.Result result = Cli.run(Map.of(), List.of("--admin", tlsServer.address(), "--ca-file", garbage.toString(), "mirrors"));

    assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("shadowctl: cannot read --ca-file " + garbage + ": No certificate data found\n");
  }
}
