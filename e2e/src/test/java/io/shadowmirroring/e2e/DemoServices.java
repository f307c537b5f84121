package io.shadowmirroring.e2e;

/**
 * The demo's two Services, shadow-demo/app-service mirrored to app-shadow-service, with one ready endpoint
 * each: the directory-source YAML the real-Envoy tests serve from.
 */
final class DemoServices {
  private DemoServices() {}

  /**
   * @param extraAnnotations more annotation lines for app-service, each indented by four spaces and ending
   *     in a newline; empty for none
   * @param port the port both backends listen on
   */
  static String yaml(String extraAnnotations, int port, String productionIp, String shadowIp) {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: app-service
          namespace: shadow-demo
          annotations:
            shadow-mirroring.io/mirror-to: app-shadow-service
        %s\
        spec:
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: app-shadow-service, namespace: shadow-demo}
        spec:
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: app-service-1
          namespace: shadow-demo
          labels: {kubernetes.io/service-name: app-service}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["%s"], conditions: {ready: true}}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: app-shadow-service-1
          namespace: shadow-demo
          labels: {kubernetes.io/service-name: app-shadow-service}
        addressType: IPv4
        ports: [{name: http, port: %d}]
        endpoints: [{addresses: ["%s"], conditions: {ready: true}}]
        """.formatted(extraAnnotations, port, productionIp, port, shadowIp);
  }
}
