package io.shadowmirroring.xds.model;

import java.util.Objects;

/** A Kubernetes Service by namespace and name; prints as {@code namespace/name}. */
public record ServiceRef(String namespace, String name) implements Comparable<ServiceRef> {

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

  /** By namespace, then name. Written out: models are sorted and walked by it on every build. */
  @Override
  public int compareTo(ServiceRef other) {
    if (this == other) {
      return 0;
    }
    int byNamespace = namespace.compareTo(other.namespace);
    return byNamespace != 0 ? byNamespace : name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
