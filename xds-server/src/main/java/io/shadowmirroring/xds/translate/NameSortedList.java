package io.shadowmirroring.xds.translate;

import java.util.AbstractList;
import java.util.RandomAccess;
import java.util.function.Function;

/**
 * An immutable list that {@link NameOrder} put in order by {@code sortedBy}: {@link XdsResources} takes it
 * as it is, where it would otherwise compare every pair of neighbours' names to find out (a fifth of the
 * time of a one-Service translation at 5,000 Services).
 */
final class NameSortedList<T> extends AbstractList<T> implements RandomAccess {
  private final Object[] items;
  private final Function<T, String> sortedBy;

  NameSortedList(Object[] items, Function<T, String> sortedBy) {
    this.items = items;
    this.sortedBy = sortedBy;
  }

  Function<T, String> sortedBy() {
    return sortedBy;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T get(int index) {
    return (T) items[index];
  }

  @Override
  public int size() {
    return items.length;
  }
}
