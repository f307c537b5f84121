package io.shadowmirroring.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.InvalidKeySpecException;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("PemKeys: PKCS#8 and PKCS#1 (Helm's genSignedCert, cert-manager's RSA default) private keys")
class PemKeysTest {
  @TempDir Path directory;

  private Path write(String name, Object pem) throws Exception {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(pem);
    }
    return Files.writeString(directory.resolve(name), text.toString());
  }

  @Test
  void readsAnRsaKeyInPkcs1AndPkcs8AndAnEcKeyInPkcs8() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair rsaKeys = rsa.generateKeyPair();
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    KeyPair ecKeys = ec.generateKeyPair();

    Path pkcs1 = write("rsa1.pem", rsaKeys.getPrivate());
    assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    assertThat(PemKeys.read(pkcs1)).isEqualTo(rsaKeys.getPrivate());
    assertThat(PemKeys.read(write("rsa8.pem", new JcaPKCS8Generator(rsaKeys.getPrivate(), null))))
        .isEqualTo(rsaKeys.getPrivate());
    assertThat(PemKeys.read(write("ec8.pem", new JcaPKCS8Generator(ecKeys.getPrivate(), null))))
        .isEqualTo(ecKeys.getPrivate());
  }

  @Test
  void aFileWithoutAKeySaysSo() throws Exception {
    Path notAKey = Files.writeString(directory.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(() -> PemKeys.read(notAKey)).isInstanceOf(InvalidKeySpecException.class)
        .hasMessage(notAKey + ": no PEM \"PRIVATE KEY\" or \"RSA PRIVATE KEY\" block");
  }
}
