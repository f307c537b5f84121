package io.shadowmirroring.xds;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * Messages as their bytes, for services and clients that scan messages instead of parsing them into
 * generated classes (Envoy's metrics sink, the bench's Envoy-like load, tests that send malformed bytes).
 */
public final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
  public static final RawBytesMarshaller INSTANCE = new RawBytesMarshaller();

  private RawBytesMarshaller() {}

  @Override
  public InputStream stream(byte[] value) {
    return new ByteArrayInputStream(value);
  }

  @Override
  public byte[] parse(InputStream stream) {
    try (stream) {
      // gRPC's message stream knows its length: one exact copy into the array, where readAllBytes grows
      // buffers and readNBytes(int) reads 8 KB chunks and copies them again (a 50 KB EDS ACK: 7 chunks).
      byte[] bytes = new byte[stream.available()];
      int read = stream.readNBytes(bytes, 0, bytes.length);
      int next = read < bytes.length ? -1 : stream.read();
      if (next < 0) {
        return read < bytes.length ? Arrays.copyOf(bytes, read) : bytes;
      }
      ByteArrayOutputStream all = new ByteArrayOutputStream(bytes.length * 2);
      all.write(bytes);
      all.write(next);
      stream.transferTo(all);
      return all.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
