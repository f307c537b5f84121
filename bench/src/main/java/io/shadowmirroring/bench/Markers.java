package io.shadowmirroring.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/** Byte patterns that show a response carries a given route change. */
public final class Markers {
  private Markers() {}

  /**
   * A mirror percentage of {@code millionths}: in a route, {@code FractionalPercent.numerator} (field 1,
   * varint); in an RTDS layer, the {@code numerator} number of a Struct (a {@code Value.number_value},
   * field 2, a little-endian double).
   */
  public static List<byte[]> percentage(int millionths) {
    ByteBuffer number = ByteBuffer.allocate(9).order(ByteOrder.LITTLE_ENDIAN);
    number.put((byte) 0x11).putDouble(millionths);
    return List.of(varintField(1, millionths), number.array());
  }

  /** A method name in the {@code :method} matcher of a mirrored route. */
  public static List<byte[]> text(String text) {
    return List.of(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Where a route change may arrive: in the route table, or in an RTDS layer. */
  public static Set<String> routeTypes() {
    return Set.of(AdsStream.RDS, AdsStream.RTDS);
  }

  private static byte[] varintField(int field, long value) {
    ByteBuffer out = ByteBuffer.allocate(11);
    out.put((byte) (field << 3));
    while ((value & ~0x7FL) != 0) {
      out.put((byte) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.put((byte) value);
    byte[] bytes = new byte[out.position()];
    out.flip().get(bytes);
    return bytes;
  }
}
