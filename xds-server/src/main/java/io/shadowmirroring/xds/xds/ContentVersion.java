package io.shadowmirroring.xds.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Version strings that are a hash of the content. The same config gets the same version across
 * restarts and replicas, so a reconnecting proxy that already has it is not sent it again, and two
 * different configs practically never share a version.
 *
 * <p>A type's version is the hash of its resources' own hashes, in name order. So the version of what
 * one stream holds (a subset, for named subscriptions) is computed from the per-resource hashes alone,
 * without serializing anything again, and equals {@link #of} for the same resources.
 */
public final class ContentVersion {
  private ContentVersion() {}

  /** The version of these resources, given in name order. */
  public static String of(List<? extends Message> resources) {
    return ofHashes(resources.stream().map(r -> hash(serialize(r))).toList());
  }

  /** The version of resources given by their {@link #hash}es, in name order. */
  public static String ofHashes(Iterable<String> hashes) {
    MessageDigest digest = sha256();
    for (String hash : hashes) {
      digest.update(hash.getBytes(StandardCharsets.US_ASCII));
    }
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  /**
   * A key for a list of strings that no other list shares: each goes in as its UTF-8 length and bytes
   * (plain concatenation would give {"ab", "c"} and {"a", "bc"} one key). For keys compared in memory.
   */
  public static String ofStrings(Iterable<String> strings) {
    MessageDigest digest = sha256();
    byte[] length = new byte[4];
    for (String string : strings) {
      byte[] utf8 = string.getBytes(StandardCharsets.UTF_8);
      length[0] = (byte) (utf8.length >>> 24);
      length[1] = (byte) (utf8.length >>> 16);
      length[2] = (byte) (utf8.length >>> 8);
      length[3] = (byte) utf8.length;
      digest.update(length);
      digest.update(utf8);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  /** One resource's hash: 16 hex digits of the SHA-256 of its deterministic serialization. */
  public static String hash(byte[] serialized) {
    return HexFormat.of().formatHex(sha256().digest(serialized), 0, 8);
  }

  /** Deterministic serialization orders map entries (e.g. typed_extension_protocol_options). */
  public static byte[] serialize(Message resource) {
    byte[] bytes = new byte[resource.getSerializedSize()];
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.useDeterministicSerialization();
    try {
      resource.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.checkNoSpaceLeft();
    return bytes;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
