package io.shadowmirroring.xds;

import java.util.List;

/**
 * Whether two lists hold the very same objects in the same order. Memos hand back the same instance for
 * what did not change, so this tells "nothing new" without comparing any content.
 */
public final class SameInstances {
  private SameInstances() {}

  public static boolean of(List<?> a, List<?> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }
}
