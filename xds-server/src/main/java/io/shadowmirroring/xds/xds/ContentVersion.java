package io.shadowmirroring.xds.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Version strings that are a hash of the content. The same config gets the same version across
 * restarts and replicas, so a reconnecting proxy that already has it is not sent it again, and two
 * different configs practically never share a version.
 */
public final class ContentVersion {
  private ContentVersion() {}

  public static String of(List<? extends Message> resources) {
    MessageDigest digest = sha256();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      for (Message resource : resources) {
        bytes.reset();
        // Deterministic serialization orders map entries (e.g. typed_extension_protocol_options).
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.useDeterministicSerialization();
        resource.writeTo(out);
        out.flush();
        byte[] encoded = bytes.toByteArray();
        digest.update(intBytes(encoded.length));
        digest.update(encoded);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  private static byte[] intBytes(int value) {
    return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
