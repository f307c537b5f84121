package io.shadowmirroring.xds.model;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The HTTP methods whose requests are mirrored. Envoy's mirror policy has no method filter, so the
 * translator turns a restricted set into a separate route matched on {@code :method}.
 */
public record MethodSet(boolean all, List<String> methods) {
  /** Safe methods only: a mirrored write would repeat its side effects on the shadow. */
  public static final MethodSet DEFAULT = of(Set.of("GET", "HEAD", "OPTIONS"));
  public static final MethodSet ALL = new MethodSet(true, List.of());

  public MethodSet {
    methods = all ? List.of() : List.copyOf(new TreeSet<>(methods));
  }

  public static MethodSet of(Set<String> methods) {
    return new MethodSet(false, List.copyOf(methods));
  }

  /** The annotation form: {@code *} or the sorted comma-separated list. */
  public String annotationValue() {
    return all ? "*" : String.join(",", methods);
  }
}
