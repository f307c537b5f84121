package io.shadowmirroring.bench;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.Percentage;
import io.shadowmirroring.xds.source.YamlManifests;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The harness's input: {@code services} Services in one namespace, each with one HTTP port and one
 * EndpointSlice of three ready endpoints. The first {@code mirrored} Services mirror to Service
 * {@code i + mirrored} (so at most half of them can be primaries). Mutable on purpose: a scenario edits
 * one Service or slice here, then a {@link InputFeed} writes that object out the way a user would.
 *
 * <p>Endpoint changes carry a <em>marker</em>: a fourth endpoint {@code 10.200.<k/256>.<k%256>} whose
 * number k increases with every change, so a client can tell from the bytes of any EDS response which
 * changes it already reflects ({@link ResponseScan#latestMarker}).
 */
public final class MeshFixture {
  public static final String NAMESPACE = "bench";
  static final int PORT = 80;
  static final String MARKER_PREFIX = "10.200.";
  /** Largest marker number: two octets. */
  static final int MAX_MARKER = 65_535;

  private final int services;
  private final int mirrored;
  private final int[] percentMillionths;
  private final String[] methods;
  private final int[] markers;

  public MeshFixture(int services, int mirrored) {
    if (services < 1 || mirrored < 0 || mirrored * 2 > services) {
      throw new IllegalArgumentException("need 1 or more Services and at most half of them mirrored, not "
          + mirrored + " of " + services);
    }
    this.services = services;
    this.mirrored = mirrored;
    this.percentMillionths = new int[services];
    this.methods = new String[services];
    this.markers = new int[services];
    java.util.Arrays.fill(percentMillionths, 50 * 10_000);
  }

  public int services() {
    return services;
  }

  public int mirrored() {
    return mirrored;
  }

  public static String name(int i) {
    return String.format("svc-%05d", i);
  }

  public static String sliceName(int i) {
    return name(i) + "-x7k2p";
  }

  /** The text of a marker endpoint's address. */
  public static String markerAddress(int k) {
    if (k < 1 || k > MAX_MARKER) {
      throw new IllegalArgumentException("marker " + k + " is not from 1 to " + MAX_MARKER);
    }
    return MARKER_PREFIX + (k >> 8) + "." + (k & 255);
  }

  public void setMarker(int service, int k) {
    markerAddress(k);
    markers[service] = k;
  }

  public void setPercentage(int service, int millionths) {
    requireMirrored(service);
    percentMillionths[service] = millionths;
  }

  public void setMethods(int service, String methodList) {
    requireMirrored(service);
    methods[service] = methodList;
  }

  private void requireMirrored(int service) {
    if (service >= mirrored) {
      throw new IllegalArgumentException(name(service) + " mirrors nothing");
    }
  }

  public Map<String, String> annotations(int i) {
    Map<String, String> annotations = new LinkedHashMap<>();
    if (i < mirrored) {
      annotations.put("shadow-mirroring.io/mirror-to", name(i + mirrored));
      annotations.put("shadow-mirroring.io/mirror-percentage", Percentage.format(percentMillionths[i]));
      if (methods[i] != null) {
        annotations.put("shadow-mirroring.io/mirror-methods", methods[i]);
      }
    }
    return annotations;
  }

  public List<String> addresses(int i) {
    List<String> addresses = new ArrayList<>();
    for (int e = 0; e < 3; e++) {
      int n = i * 3 + e;
      addresses.add("10.1." + (n / 250) + "." + (n % 250 + 1));
    }
    if (markers[i] > 0) {
      addresses.add(markerAddress(markers[i]));
    }
    return addresses;
  }

  public Service service(int i) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name(i)).withNamespace(NAMESPACE).withAnnotations(annotations(i)).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(PORT).withProtocol("TCP").endPort().endSpec()
        .build();
  }

  public EndpointSlice slice(int i) {
    return new EndpointSliceBuilder()
        .withNewMetadata().withName(sliceName(i)).withNamespace(NAMESPACE)
        .addToLabels("kubernetes.io/service-name", name(i)).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("http").withPort(8080).withProtocol("TCP").endPort()
        .withEndpoints(endpoints(i))
        .build();
  }

  public List<Endpoint> endpoints(int i) {
    return addresses(i).stream()
        .map(a -> new EndpointBuilder().withAddresses(a).withNewConditions().withReady(true).endConditions().build())
        .toList();
  }

  /** The fixture as the model builder's input, read through the directory source's YAML reader. */
  public Inventory inventory() {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < services; i++) {
      yaml.append(i == 0 ? "" : "---\n").append(yaml(i));
    }
    try {
      YamlManifests.Contents contents = new YamlManifests().parse(yaml.toString());
      return new Inventory(contents.services(), contents.endpointSlices());
    } catch (YamlManifests.ManifestException e) {
      throw new IllegalStateException("the fixture's own YAML does not parse: " + e.getMessage(), e);
    }
  }

  /** Service i and its slice as two YAML documents. */
  public String yaml(int i) {
    StringBuilder out = new StringBuilder();
    out.append("apiVersion: v1\nkind: Service\nmetadata:\n  name: ").append(name(i))
        .append("\n  namespace: ").append(NAMESPACE).append('\n');
    Map<String, String> annotations = annotations(i);
    if (!annotations.isEmpty()) {
      out.append("  annotations:\n");
      annotations.forEach((k, v) -> out.append("    ").append(k).append(": \"").append(v).append("\"\n"));
    }
    out.append("spec:\n  ports:\n  - name: http\n    port: ").append(PORT).append("\n    protocol: TCP\n");
    out.append("---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: ").append(sliceName(i))
        .append("\n  namespace: ").append(NAMESPACE)
        .append("\n  labels:\n    kubernetes.io/service-name: ").append(name(i))
        .append("\naddressType: IPv4\nports:\n- name: http\n  port: 8080\n  protocol: TCP\nendpoints:\n");
    for (String address : addresses(i)) {
      out.append("- addresses: [\"").append(address).append("\"]\n  conditions: {ready: true}\n");
    }
    return out.toString();
  }
}
