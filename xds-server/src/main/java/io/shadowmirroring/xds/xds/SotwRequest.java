package io.shadowmirroring.xds.xds;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.config.core.v3.Node;
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
import java.util.Collections;
import java.util.List;

/**
 * A state-of-the-world {@link DiscoveryRequest} as it came off the wire, its {@code resource_names} and
 * its {@code node} kept as their encoded bytes until someone needs them decoded.
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
 *
 * <p>The node likewise: Envoy puts it on every request unless its bootstrap sets
 * {@code set_node_on_first_message_only} (the same {@code sendDiscoveryRequest}; false by default,
 * api/envoy/config/core/v3/config_source.proto), with its metadata, locality and list of extensions,
 * while the server reads it on a stream's first request only ({@link ServingStream}). It is decoded
 * when asked for, so an ACK costs no {@code Node}, {@code Struct} or {@code Value} of its own.
 */
final class SotwRequest {
  /** {@code resource_names} is field 3 of DiscoveryRequest, a length-delimited string. */
  private static final int NAMES_TAG =
      DiscoveryRequest.RESOURCE_NAMES_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  /** {@code node} is field 2, a length-delimited message. */
  private static final int NODE_TAG = DiscoveryRequest.NODE_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  private static final byte[] NONE = new byte[0];

  private final DiscoveryRequest rest;
  /** The encoded names fields, at [from, to) of their buffer: the received request itself when they were one run. */
  private final Slice names;
  /** The encoded node field or fields (repeated, they merge), tags included. */
  private final Slice nodeFields;
  private final int namesCount;
  private List<String> decoded;
  private Node node;

  private SotwRequest(DiscoveryRequest rest, Slice names, int namesCount, Slice nodeFields) {
    this.rest = rest;
    this.names = names;
    this.namesCount = namesCount;
    this.nodeFields = nodeFields;
  }

  private record Slice(byte[] buffer, int from, int to) {
    static final Slice EMPTY = new Slice(NONE, 0, 0);

    int length() {
      return to - from;
    }
  }

  /** For tests and in-process callers: the same split as a request off the wire. */
  static SotwRequest of(DiscoveryRequest request) {
    try {
      return parse(request.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Every field but {@code node} and {@code resource_names}. */
  DiscoveryRequest message() {
    return rest;
  }

  boolean hasNode() {
    return nodeFields.length() > 0;
  }

  /** The node, decoded on the first call; a node that does not parse is refused here. */
  Node node() throws InvalidProtocolBufferException {
    if (node == null) {
      node = !hasNode() ? Node.getDefaultInstance() : DiscoveryRequest.newBuilder()
          .mergeFrom(nodeFields.buffer, nodeFields.from, nodeFields.length()).getNode();
    }
    return node;
  }

  int namesCount() {
    return namesCount;
  }

  /** A copy of the encoded {@code resource_names} fields, in their order: to keep, and compare later ones with. */
  byte[] namesBytes() {
    return Arrays.copyOfRange(names.buffer, names.from, names.to);
  }

  /** Whether the encoded names are exactly {@code wire} (as {@link #namesBytes} gave them), without a copy. */
  boolean namesEqual(byte[] wire) {
    return Arrays.equals(wire, 0, wire.length, names.buffer, names.from, names.to);
  }

  /**
   * A hash of the encoded names that reads at most about a hundred of their bytes (their length, and
   * bytes spread evenly over them): equal names hash equal, and telling apart lists that hash equal is
   * left to {@link #namesEqual}, which is one vectorized comparison. Hashing all 50 KB of an EDS list
   * would cost about what decoding it does.
   */
  int namesSampleHash() {
    return sampleHash(names.buffer, names.from, names.to);
  }

  static int sampleHash(byte[] bytes, int from, int to) {
    int length = to - from;
    int hash = length;
    int step = Math.max(1, length / 96);
    for (int i = from; i < to; i += step) {
      hash = 31 * hash + bytes[i];
    }
    return length == 0 ? hash : 31 * hash + bytes[to - 1];
  }

  /** The names as strings, decoded on the first call; a name that is not UTF-8 is refused here. */
  List<String> names() throws InvalidProtocolBufferException {
    if (decoded == null) {
      decoded = namesCount == 0 ? List.of()
          : DiscoveryRequest.newBuilder().mergeFrom(names.buffer, names.from, names.length()).getResourceNamesList();
    }
    return decoded;
  }

  /**
   * Splits an encoded request into its names, its node and the rest; the rest is parsed (and so checked)
   * at once. A client that encodes fields in field-number order, as protobuf's serializers do, sends the
   * names as one run and the node as one field: they are then kept where they are in {@code bytes},
   * which costs no copy (an ACK of 1,000 names is about 50 KB, and under endpoint churn 500 proxies
   * each send several a second). Names or nodes interleaved with other fields are gathered into arrays
   * of their own.
   */
  static SotwRequest parse(byte[] bytes) throws InvalidProtocolBufferException {
    Run names = new Run(NAMES_TAG);
    Run node = new Run(NODE_TAG);
    forEachField(bytes, (tag, start, end) -> {
      names.field(tag, start, end);
      node.field(tag, start, end);
    });
    if (names.count == 0 && node.count == 0) {
      return new SotwRequest(DiscoveryRequest.parseFrom(bytes), Slice.EMPTY, 0, Slice.EMPTY);
    }
    if (names.contiguous && node.contiguous) {
      // Parsing the parts around the two runs one after the other merges them, as parsing their
      // concatenation would.
      Run first = node.count == 0 || (names.count > 0 && names.from < node.from) ? names : node;
      Run second = first == names ? node : names;
      DiscoveryRequest.Builder rest = DiscoveryRequest.newBuilder();
      int at = 0;
      for (Run run : List.of(first, second)) {
        if (run.count > 0) {
          rest.mergeFrom(bytes, at, run.from - at);
          at = run.to;
        }
      }
      rest.mergeFrom(bytes, at, bytes.length - at);
      return new SotwRequest(rest.build(), names.slice(bytes), names.count, node.slice(bytes));
    }
    // Names or nodes among other fields: each copied into one run of its own, the rest parsed.
    ByteArrayOutputStream namesOut = new ByteArrayOutputStream(bytes.length);
    ByteArrayOutputStream nodeOut = new ByteArrayOutputStream();
    ByteArrayOutputStream restOut = new ByteArrayOutputStream(Math.min(bytes.length, 1024));
    forEachField(bytes, (tag, start, end) ->
        (tag == NAMES_TAG ? namesOut : tag == NODE_TAG ? nodeOut : restOut).write(bytes, start, end - start));
    byte[] gatheredNames = namesOut.toByteArray();
    byte[] gatheredNode = nodeOut.toByteArray();
    return new SotwRequest(DiscoveryRequest.parseFrom(restOut.toByteArray()),
        new Slice(gatheredNames, 0, gatheredNames.length), names.count,
        new Slice(gatheredNode, 0, gatheredNode.length));
  }

  /** Where a request's fields of one tag are: one run from {@code from} to {@code to}, or not. */
  private static final class Run implements FieldVisitor {
    private final int tag;
    int from = -1;
    int to = -1;
    int count;
    boolean contiguous = true;

    Run(int tag) {
      this.tag = tag;
    }

    @Override
    public void field(int fieldTag, int start, int end) {
      if (fieldTag == tag) {
        if (count == 0) {
          from = start;
        } else if (start != to) {
          contiguous = false;
        }
        to = end;
        count++;
      }
    }

    Slice slice(byte[] bytes) {
      return count == 0 ? Slice.EMPTY : new Slice(bytes, from, to);
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
      // Fields may come in any order and repeated ones concatenate, so the three parts make the request.
      return new SequenceInputStream(Collections.enumeration(List.of(
          new ByteArrayInputStream(value.rest.toByteArray()),
          new ByteArrayInputStream(value.nodeFields.buffer, value.nodeFields.from, value.nodeFields.length()),
          new ByteArrayInputStream(value.names.buffer, value.names.from, value.names.length()))));
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
