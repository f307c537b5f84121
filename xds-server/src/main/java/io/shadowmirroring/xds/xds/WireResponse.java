package io.shadowmirroring.xds.xds;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A response already serialized: a body shared by every stream that gets the same response, and this
 * stream's own tail (the nonce). Protobuf allows a field to follow the others in any order, so
 * appending {@code nonce} (field 5 of DiscoveryResponse and DeltaDiscoveryResponse) to a body
 * serialized without it gives the same message as serializing it whole.
 */
record WireResponse(byte[] body, byte[] tail) {
  private static final int NONCE_TAG = (5 << 3) | 2;

  static WireResponse withNonce(byte[] body, String nonce) {
    byte[] text = nonce.getBytes(StandardCharsets.UTF_8);
    byte[] tail = new byte[2 + text.length];
    // Nonces are short (a counter), so the length fits one varint byte.
    tail[0] = (byte) NONCE_TAG;
    tail[1] = (byte) text.length;
    System.arraycopy(text, 0, tail, 2, text.length);
    return new WireResponse(body, tail);
  }

  int length() {
    return body.length + tail.length;
  }

  /**
   * Writes the bytes as they are: grpc-java drains a {@link Drainable} stream of {@link KnownLength}
   * straight into its frames, without serializing or copying into a temporary array.
   */
  static final class Marshaller implements MethodDescriptor.Marshaller<WireResponse> {
    @Override
    public InputStream stream(WireResponse response) {
      return new Stream(response);
    }

    @Override
    public WireResponse parse(InputStream stream) {
      throw new UnsupportedOperationException("the server only writes responses");
    }
  }

  private static final class Stream extends InputStream implements Drainable, KnownLength {
    private final WireResponse response;
    private int position;

    Stream(WireResponse response) {
      this.response = response;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int remaining = available();
      if (position < response.body.length) {
        target.write(response.body, position, response.body.length - position);
      }
      int tailFrom = Math.max(0, position - response.body.length);
      target.write(response.tail, tailFrom, response.tail.length - tailFrom);
      position = response.length();
      return remaining;
    }

    @Override
    public int available() {
      return response.length() - position;
    }

    @Override
    public int read() {
      if (position >= response.length()) {
        return -1;
      }
      int at = position++;
      return (at < response.body.length ? response.body[at] : response.tail[at - response.body.length]) & 0xff;
    }

    @Override
    public int read(byte[] into, int offset, int length) {
      if (position >= response.length()) {
        return -1;
      }
      int count = Math.min(length, available());
      for (int i = 0; i < count; i++) {
        into[offset + i] = (byte) read();
      }
      return count;
    }
  }
}
