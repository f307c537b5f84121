package io.shadowmirroring.xds.testing;

import java.util.Map;

/** Kubernetes YAML for tests, written the way a user would write it. */
public final class Manifests {
  private Manifests() {}

  public static String service(String namespace, String name, Map<String, String> annotations, int port, String portName) {
    StringBuilder yaml = new StringBuilder("apiVersion: v1\nkind: Service\nmetadata:\n")
        .append("  name: ").append(name).append("\n  namespace: ").append(namespace).append('\n');
    if (!annotations.isEmpty()) {
      yaml.append("  annotations:\n");
      new java.util.TreeMap<>(annotations).forEach((key, value) ->
          yaml.append("    ").append(key).append(": \"").append(value).append("\"\n"));
    }
    return yaml.append("spec:\n  ports:\n    - name: ").append(portName)
        .append("\n      port: ").append(port)
        .append("\n      targetPort: ").append(portName).append('\n').toString();
  }

  public static String endpointSlice(String namespace, String service, String portName, int port, String... ips) {
    StringBuilder endpoints = new StringBuilder();
    for (String ip : ips) {
      endpoints.append("  - addresses: [\"").append(ip).append("\"]\n    conditions:\n      ready: true\n");
    }
    return """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: %s-slice
          namespace: %s
          labels:
            kubernetes.io/service-name: %s
        addressType: IPv4
        ports:
          - name: %s
            port: %d
        endpoints:
        """.formatted(service, namespace, service, portName, port) + endpoints;
  }

  public static String documents(String... documents) {
    return String.join("---\n", documents);
  }
}
