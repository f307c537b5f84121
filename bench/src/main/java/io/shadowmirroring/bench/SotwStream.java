package io.shadowmirroring.bench;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/** A state-of-the-world ADS stream ({@code StreamAggregatedResources}). */
final class SotwStream extends AdsStream {
  private String edsVersion = "";
  private String edsNonce = "";
  private String rdsVersion = "";
  private String rdsNonce = "";

  SotwStream(LoadClient client, String nodeId) {
    super(client, nodeId);
  }

  @Override
  void start() {
    send(request(CDS, "", "", List.of()));
    send(request(LDS, "", "", List.of()));
    if (!client.rtdsLayer().isEmpty()) {
      send(request(RTDS, "", "", List.of(client.rtdsLayer())));
    }
  }

  @Override
  String handle(byte[] bytes) {
    ResponseScan.Sotw response = ResponseScan.sotw(bytes);
    String typeUrl = response.typeUrl();
    switch (typeUrl) {
      case CDS -> {
        hasClusters = true;
        TreeSet<String> names = new TreeSet<>();
        response.resources().forEach(cluster -> names.add(ResponseScan.edsName(cluster)));
        List<String> eds = client.intern(List.copyOf(names));
        if (!eds.equals(edsNames)) {
          List<String> added = new ArrayList<>(eds);
          added.removeAll(new TreeSet<>(edsNames));
          expect(added);
          edsNames = eds;
          // Envoy asks for the new clusters' endpoints before it ACKs the clusters (they warm meanwhile).
          send(request(EDS, edsVersion, edsNonce, edsNames));
        }
        send(request(CDS, response.version(), response.nonce(), List.of()));
      }
      case LDS -> {
        hasListeners = true;
        TreeSet<String> names = new TreeSet<>();
        response.resources().forEach(listener -> names.addAll(ResponseScan.routeNames(listener)));
        List<String> routes = client.intern(List.copyOf(names));
        if (!routes.equals(routeNames)) {
          List<String> added = new ArrayList<>(routes);
          added.removeAll(new TreeSet<>(routeNames));
          expect(added);
          routeNames = routes;
          send(request(RDS, rdsVersion, rdsNonce, routeNames));
        }
        send(request(LDS, response.version(), response.nonce(), List.of()));
      }
      case EDS -> {
        arrivedAll(response.resources());
        edsVersion = response.version();
        edsNonce = response.nonce();
        send(request(EDS, edsVersion, edsNonce, edsNames));
      }
      case RDS -> {
        arrivedAll(response.resources());
        rdsVersion = response.version();
        rdsNonce = response.nonce();
        send(request(RDS, rdsVersion, rdsNonce, routeNames));
      }
      default -> send(request(typeUrl, response.version(), response.nonce(),
          typeUrl.equals(RTDS) ? List.of(client.rtdsLayer()) : List.of()));
    }
    return typeUrl;
  }

  private void arrivedAll(List<ByteString> resources) {
    if (waiting()) {
      resources.forEach(resource -> arrived(ResponseScan.name(resource)));
    }
  }

  private byte[] request(String typeUrl, String version, String nonce, List<String> names) {
    // Envoy sends its node on every request unless set_node_on_first_message_only is set.
    byte[] rest = DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).setVersionInfo(version)
        .setResponseNonce(nonce).build().toByteArray();
    if (names.isEmpty()) {
      return rest;
    }
    // Fields may come in any order, so the names, encoded once per list, follow the rest.
    byte[] encodedNames = client.encodedNames(names);
    byte[] request = Arrays.copyOf(rest, rest.length + encodedNames.length);
    System.arraycopy(encodedNames, 0, request, rest.length, encodedNames.length);
    return request;
  }
}
