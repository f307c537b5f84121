package io.shadowmirroring.xds.model;

import java.util.Comparator;
import java.util.Objects;

/** A Kubernetes Service by namespace and name; prints as {@code namespace/name}. */
public record ServiceRef(String namespace, String name) implements Comparable<ServiceRef> {

  private static final Comparator<ServiceRef> ORDER =
      Comparator.comparing(ServiceRef::namespace).thenComparing(ServiceRef::name);

  public ServiceRef {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /** Parses {@code namespace/name}, or a bare name in {@code defaultNamespace}. */
  public static ServiceRef parse(String text, String defaultNamespace) {
    int slash = text.indexOf('/');
    return slash < 0
        ? new ServiceRef(defaultNamespace, text)
        : new ServiceRef(text.substring(0, slash), text.substring(slash + 1));
  }

  /** The in-cluster DNS name, {@code name.namespace.svc.cluster.local}. */
  public String fqdn() {
    return name + "." + namespace + ".svc.cluster.local";
  }

  @Override
  public int compareTo(ServiceRef other) {
    return ORDER.compare(this, other);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
