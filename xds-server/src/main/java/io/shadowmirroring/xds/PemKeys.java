package io.shadowmirroring.xds;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a PEM private key in PKCS#8 ({@code BEGIN PRIVATE KEY}) or PKCS#1 ({@code BEGIN RSA PRIVATE
 * KEY}). gRPC's own loader takes PKCS#8 only, but Helm's {@code genSignedCert} and cert-manager's
 * default RSA encoding write PKCS#1.
 */
final class PemKeys {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ((?:RSA )?PRIVATE KEY)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  // AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }, DER.
  private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
      (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

  private PemKeys() {}

  static PrivateKey read(Path file) throws IOException, GeneralSecurityException {
    Matcher pem = BLOCK.matcher(Files.readString(file));
    if (!pem.find()) {
      throw new InvalidKeySpecException(file + ": no PEM \"PRIVATE KEY\" or \"RSA PRIVATE KEY\" block");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.group(2).replaceAll("\\s", ""));
    if (pem.group(1).startsWith("RSA")) {
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8FromPkcs1(der)));
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // try the next algorithm
      }
    }
    throw new InvalidKeySpecException(file + ": a PKCS#8 key that is neither RSA, EC nor Ed25519");
  }

  // PrivateKeyInfo ::= SEQUENCE { version INTEGER 0, AlgorithmIdentifier, privateKey OCTET STRING }
  private static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(RSA_ALGORITHM);
    body.write(0x04);
    body.writeBytes(length(pkcs1.length));
    body.writeBytes(pkcs1);
    ByteArrayOutputStream info = new ByteArrayOutputStream();
    info.write(0x30);
    info.writeBytes(length(body.size()));
    info.writeBytes(body.toByteArray());
    return info.toByteArray();
  }

  // DER definite length: short form below 128, else 0x80 | byte count, then the bytes big-endian.
  private static byte[] length(int length) {
    if (length < 128) {
      return new byte[] {(byte) length};
    }
    int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
    byte[] encoded = new byte[bytes + 1];
    encoded[0] = (byte) (0x80 | bytes);
    for (int i = 0; i < bytes; i++) {
      encoded[bytes - i] = (byte) (length >>> (8 * i));
    }
    return encoded;
  }
}
