package io.shadowmirroring.xds.analysis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * An immutable hash map whose keys are UTF-8 strings and whose lookups take a range of a byte array, so a stat
 * name is matched where it lies in the received message, without decoding it into a String first.
 */
final class ByteKeyMap<V> {
  private final byte[][] keys;
  private final Object[] values;
  private final int mask;

  ByteKeyMap(Map<String, V> entries) {
    int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 - 1)) << 1;
    keys = new byte[capacity][];
    values = new Object[capacity];
    mask = capacity - 1;
    entries.forEach((key, value) -> {
      byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
      int slot = hash(bytes, 0, bytes.length) & mask;
      while (keys[slot] != null) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = bytes;
      values[slot] = value;
    });
  }

  /** The value for the key in {@code bytes[from, to)}, or null. */
  @SuppressWarnings("unchecked")
  V get(byte[] bytes, int from, int to) {
    int slot = hash(bytes, from, to) & mask;
    byte[] key;
    while ((key = keys[slot]) != null) {
      if (key.length == to - from && Arrays.equals(key, 0, key.length, bytes, from, to)) {
        return (V) values[slot];
      }
      slot = (slot + 1) & mask;
    }
    return null;
  }

  V get(String key) {
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    return get(bytes, 0, bytes.length);
  }

  private static int hash(byte[] bytes, int from, int to) {
    int h = 0x811c9dc5;
    for (int i = from; i < to; i++) {
      h = (h ^ bytes[i]) * 0x01000193;
    }
    return h ^ (h >>> 16);
  }
}
