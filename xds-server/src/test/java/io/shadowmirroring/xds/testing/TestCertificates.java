package io.shadowmirroring.xds.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Throw-away PKI for TLS tests: a CA, and leaf certificates for 127.0.0.1 signed by it, as PEM files. */
public final class TestCertificates {
  private final KeyPair caKeys;
  private final X509Certificate ca;

  public TestCertificates() throws Exception {
    caKeys = keys();
    ca = sign("CN=shadow-mirroring test CA", caKeys, "CN=shadow-mirroring test CA", caKeys, BigInteger.ONE, true);
  }

  /** A leaf certificate and key; returns the cert's serial number. */
  public BigInteger issue(String commonName, BigInteger serial, Path certFile, Path keyFile) throws Exception {
    KeyPair leaf = keys();
    X509Certificate cert = sign("CN=" + commonName, leaf, "CN=shadow-mirroring test CA", caKeys, serial, false);
    write(certFile, cert);
    // PKCS#8 ("BEGIN PRIVATE KEY"), the form gRPC's key loader reads.
    write(keyFile, new JcaPKCS8Generator(leaf.getPrivate(), null));
    return serial;
  }

  public void writeCa(Path file) throws IOException {
    write(file, ca);
  }

  private static KeyPair keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(256);
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys,
      BigInteger serial, boolean isCa) throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer), serial,
        Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)), new X500Name(subject),
        subjectKeys.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
    if (!isCa) {
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
    }
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }

  private static void write(Path file, Object pem) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(pem);
    }
    // Replace atomically: the server's reloader must never read half a file.
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temporary, text.toString());
    Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
