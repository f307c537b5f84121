package io.shadowmirroring.xds.analysis;

/**
 * A protobuf wire-format reader over a byte range, just enough to walk {@code StreamMetricsMessage}
 * without building objects: tens of thousands of families arrive per flush and nearly all are skipped by
 * name, so decoding them into generated messages would cost far more than the analysis itself.
 * Every read checks its bounds and throws {@link Malformed} instead of reading past the range.
 */
final class WireReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LEN = 2;
  static final int FIXED32 = 5;

  /** The input is not valid protobuf wire format. */
  static final class Malformed extends RuntimeException {
    Malformed(String message) {
      super(message, null, false, false);
    }
  }

  private final byte[] buffer;
  private int position;
  private int limit;

  WireReader(byte[] buffer, int offset, int limit) {
    this.buffer = buffer;
    this.position = offset;
    this.limit = limit;
  }

  /** Makes this reader read {@code [from, to)} of the same buffer; saves an object per family. */
  WireReader reset(int from, int to) {
    position = from;
    limit = to;
    return this;
  }

  byte[] buffer() {
    return buffer;
  }

  int position() {
    return position;
  }

  boolean atEnd() {
    return position >= limit;
  }

  /** The next tag ({@code field << 3 | wireType}). */
  int readTag() {
    long tag = readVarint();
    if (tag <= 0 || tag > Integer.MAX_VALUE) {
      throw new Malformed("bad tag " + tag);
    }
    return (int) tag;
  }

  static int field(int tag) {
    return tag >>> 3;
  }

  static int wireType(int tag) {
    return tag & 7;
  }

  long readVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position >= limit) {
        throw new Malformed("truncated varint");
      }
      byte b = buffer[position++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new Malformed("varint longer than 10 bytes");
  }

  double readDouble() {
    if (limit - position < 8) {
      throw new Malformed("truncated double");
    }
    long bits = 0;
    for (int i = 7; i >= 0; i--) {
      bits = (bits << 8) | (buffer[position + i] & 0xffL);
    }
    position += 8;
    return Double.longBitsToDouble(bits);
  }

  /** Reads a length prefix and returns the end offset of the field's bytes; the position is at their start. */
  int readLengthDelimitedEnd() {
    long length = readVarint();
    if (length < 0 || length > limit - position) {
      throw new Malformed("length " + length + " runs past the end of its message");
    }
    return position + (int) length;
  }

  /** A reader over {@code [position, end)}; this reader then continues after it. */
  WireReader sub(int end) {
    WireReader sub = new WireReader(buffer, position, end);
    position = end;
    return sub;
  }

  void skipTo(int end) {
    position = end;
  }

  void skip(int wireType) {
    switch (wireType) {
      case VARINT -> readVarint();
      case FIXED64 -> advance(8);
      case LEN -> position = readLengthDelimitedEnd();
      case FIXED32 -> advance(4);
      default -> throw new Malformed("unsupported wire type " + wireType);
    }
  }

  private void advance(int bytes) {
    if (limit - position < bytes) {
      throw new Malformed("truncated field");
    }
    position += bytes;
  }
}
