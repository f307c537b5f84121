package io.shadowmirroring.bench;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** An incremental ADS stream ({@code DeltaAggregatedResources}): wildcard clusters and listeners, named the rest. */
final class DeltaStream extends AdsStream {
  private Map<String, String> clusterEds = Map.of();
  private Map<String, List<String>> listenerRoutes = Map.of();

  DeltaStream(LoadClient client, String nodeId) {
    super(client, nodeId);
  }

  @Override
  void start() {
    send(request(CDS, List.of(), List.of(), ""));
    send(request(LDS, List.of(), List.of(), ""));
    if (!client.rtdsLayer().isEmpty()) {
      send(request(RTDS, List.of(client.rtdsLayer()), List.of(), ""));
    }
  }

  @Override
  String handle(byte[] bytes) {
    ResponseScan.Delta response = ResponseScan.delta(bytes);
    String typeUrl = response.typeUrl();
    switch (typeUrl) {
      case CDS -> {
        hasClusters = true;
        Map<String, String> clusters = new HashMap<>(clusterEds);
        response.removed().forEach(clusters::remove);
        for (int i = 0; i < response.names().size(); i++) {
          clusters.put(response.names().get(i), ResponseScan.edsName(response.resources().get(i)));
        }
        clusterEds = client.intern(Map.copyOf(clusters));
        edsNames = resubscribe(EDS, edsNames, new TreeSet<>(clusters.values()));
        send(request(CDS, List.of(), List.of(), response.nonce()));
      }
      case LDS -> {
        hasListeners = true;
        Map<String, List<String>> listeners = new HashMap<>(listenerRoutes);
        response.removed().forEach(listeners::remove);
        for (int i = 0; i < response.names().size(); i++) {
          listeners.put(response.names().get(i), ResponseScan.routeNames(response.resources().get(i)));
        }
        listenerRoutes = Map.copyOf(listeners);
        TreeSet<String> routes = new TreeSet<>();
        listeners.values().forEach(routes::addAll);
        routeNames = resubscribe(RDS, routeNames, routes);
        send(request(LDS, List.of(), List.of(), response.nonce()));
      }
      case EDS, RDS -> {
        if (waiting()) {
          response.names().forEach(this::arrived);
        }
        send(request(typeUrl, List.of(), List.of(), response.nonce()));
      }
      default -> send(request(typeUrl, List.of(), List.of(), response.nonce()));
    }
    return typeUrl;
  }

  private List<String> resubscribe(String typeUrl, List<String> current, TreeSet<String> wanted) {
    List<String> next = client.intern(List.copyOf(wanted));
    if (next.equals(current)) {
      return current;
    }
    TreeSet<String> old = new TreeSet<>(current);
    List<String> subscribe = new ArrayList<>();
    for (String name : next) {
      if (!old.remove(name)) {
        subscribe.add(name);
      }
    }
    expect(subscribe);
    send(request(typeUrl, subscribe, List.copyOf(old), ""));
    return next;
  }

  private byte[] request(String typeUrl, List<String> subscribe, List<String> unsubscribe, String nonce) {
    return DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl)
        .addAllResourceNamesSubscribe(subscribe).addAllResourceNamesUnsubscribe(unsubscribe)
        .setResponseNonce(nonce).build().toByteArray();
  }
}
