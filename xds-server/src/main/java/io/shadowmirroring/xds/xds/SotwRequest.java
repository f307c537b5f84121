package io.shadowmirroring.xds.xds;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.shadowmirroring.xds.RawBytesMarshaller;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.List;

/**
 * A state-of-the-world {@link DiscoveryRequest} as it came off the wire, its {@code resource_names} kept
 * as their encoded bytes until someone needs them as strings.
 *
 * <p>Why: a SotW client names every resource it wants in every request, ACKs included: Envoy rebuilds a type's names from its watches for every request it sends
 * ({@code GrpcMuxImpl::sendDiscoveryRequest}, source/extensions/config_subscription/grpc/grpc_mux_impl.cc),
 * in the same order while the watches stay the same.
 * An EDS ACK of a proxy with 1,000 clusters carries 1,000 names, about 50 KB, and under endpoint churn
 * every proxy sends one per push. Decoding them (1,000 Strings) and comparing them with the subscription
 * by hash cost about a quarter of the server's CPU in bench scenario 8. Compared as bytes with the
 * request that set the subscription, an unchanged list costs one {@code Arrays.equals}, and only a
 * changed one is decoded. Equal bytes are equal names; unequal bytes (another order, say) are merely
 * decoded and compared as names, so nothing depends on how a client orders them.
 */
final class SotwRequest {
  /** {@code resource_names} is field 3 of DiscoveryRequest, a length-delimited string. */
  private static final int NAMES_TAG =
      DiscoveryRequest.RESOURCE_NAMES_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final byte[] NONE = new byte[0];

  private final DiscoveryRequest rest;
  /** Holds the encoded names at [namesFrom, namesTo): the received request itself when they were contiguous. */
  private final byte[] buffer;
  private final int namesFrom;
  private final int namesTo;
  private final int namesCount;
  private List<String> decoded;

  private SotwRequest(DiscoveryRequest rest, byte[] buffer, int namesFrom, int namesTo, int namesCount) {
    this.rest = rest;
    this.buffer = buffer;
    this.namesFrom = namesFrom;
    this.namesTo = namesTo;
    this.namesCount = namesCount;
  }

  /** For tests and in-process callers: the same split as a request off the wire. */
  static SotwRequest of(DiscoveryRequest request) {
    try {
      return parse(request.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Every field but {@code resource_names}. */
  DiscoveryRequest message() {
    return rest;
  }

  int namesCount() {
    return namesCount;
  }

  /** A copy of the encoded {@code resource_names} fields, in their order: to keep, and compare later ones with. */
  byte[] namesBytes() {
    return Arrays.copyOfRange(buffer, namesFrom, namesTo);
  }

  /** Whether the encoded names are exactly {@code wire} (as {@link #namesBytes} gave them), without a copy. */
  boolean namesEqual(byte[] wire) {
    return Arrays.equals(wire, 0, wire.length, buffer, namesFrom, namesTo);
  }

  /** The names as strings, decoded on the first call; a name that is not UTF-8 is refused here. */
  List<String> names() throws InvalidProtocolBufferException {
    if (decoded == null) {
      decoded = namesCount == 0 ? List.of()
          : DiscoveryRequest.newBuilder().mergeFrom(buffer, namesFrom, namesTo - namesFrom).getResourceNamesList();
    }
    return decoded;
  }

  /**
   * Splits an encoded request into its names and the rest; the rest is parsed (and so checked) at once.
   * A client that encodes fields in field-number order, as protobuf's serializers do, sends the names as
   * one run: they are then kept where they are in {@code bytes}, which costs no copy (an ACK of 1,000
   * names is about 50 KB, and under endpoint churn 500 proxies each send several a second). Names
   * interleaved with other fields are gathered into one array of their own.
   */
  static SotwRequest parse(byte[] bytes) throws InvalidProtocolBufferException {
    NamesRun run = new NamesRun();
    forEachField(bytes, run);
    if (run.count == 0) {
      return new SotwRequest(DiscoveryRequest.parseFrom(bytes), NONE, 0, 0, 0);
    }
    if (run.contiguous) {
      // Parsing the two parts one after the other merges them, as parsing their concatenation would.
      DiscoveryRequest.Builder rest = DiscoveryRequest.newBuilder().mergeFrom(bytes, 0, run.from);
      rest.mergeFrom(bytes, run.to, bytes.length - run.to);
      return new SotwRequest(rest.build(), bytes, run.from, run.to, run.count);
    }
    // Names among other fields: copied into one run of their own, the rest parsed.
    ByteArrayOutputStream names = new ByteArrayOutputStream(bytes.length);
    ByteArrayOutputStream rest = new ByteArrayOutputStream(Math.min(bytes.length, 1024));
    forEachField(bytes, (tag, start, end) -> (tag == NAMES_TAG ? names : rest).write(bytes, start, end - start));
    byte[] gathered = names.toByteArray();
    return new SotwRequest(DiscoveryRequest.parseFrom(rest.toByteArray()), gathered, 0, gathered.length, run.count);
  }

  /** Where a request's names are: one run from {@code from} to {@code to}, or not. */
  private static final class NamesRun implements FieldVisitor {
    int from = -1;
    int to = -1;
    int count;
    boolean contiguous = true;

    @Override
    public void field(int tag, int start, int end) {
      if (tag == NAMES_TAG) {
        if (count == 0) {
          from = start;
        } else if (start != to) {
          contiguous = false;
        }
        to = end;
        count++;
      }
    }
  }

  private interface FieldVisitor {
    /** A field of this tag at [start, end) of the message, tag included. */
    void field(int tag, int start, int end);
  }

  /** Walks the top-level fields of an encoded message without decoding them (and so checks their framing). */
  private static void forEachField(byte[] bytes, FieldVisitor visitor) throws InvalidProtocolBufferException {
    CodedInputStream input = CodedInputStream.newInstance(bytes);
    try {
      while (true) {
        int start = input.getTotalBytesRead();
        int tag = input.readTag();
        if (tag == 0) {
          return;
        }
        input.skipField(tag);
        visitor.field(tag, start, input.getTotalBytesRead());
      }
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e);
    }
  }

  /** The gRPC marshaller of the SotW methods' requests. */
  static final class Marshaller implements MethodDescriptor.Marshaller<SotwRequest> {
    @Override
    public InputStream stream(SotwRequest value) {
      // Fields may come in any order and repeated ones concatenate, so the two parts make the request.
      return new SequenceInputStream(new ByteArrayInputStream(value.rest.toByteArray()),
          new ByteArrayInputStream(value.buffer, value.namesFrom, value.namesTo - value.namesFrom));
    }

    @Override
    public SotwRequest parse(InputStream stream) {
      try {
        return SotwRequest.parse(RawBytesMarshaller.INSTANCE.parse(stream));
      } catch (InvalidProtocolBufferException e) {
        // As grpc-java's protobuf marshaller does with a request it cannot parse.
        throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
      }
    }
  }
}
