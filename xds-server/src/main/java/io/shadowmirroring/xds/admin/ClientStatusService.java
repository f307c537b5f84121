package io.shadowmirroring.xds.admin;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.admin.v3.ClientResourceStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.grpc.stub.StreamObserver;
import io.shadowmirroring.xds.xds.ProxyRegistry;
import io.shadowmirroring.xds.xds.ProxyStream;
import io.shadowmirroring.xds.xds.SnapshotFactory;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Envoy's Client Status Discovery Service on the xDS port, so standard tooling (istioctl-like
 * "proxy-status", grpcdebug) can ask which config each connected proxy holds and whether it ACKed it.
 */
public final class ClientStatusService extends ClientStatusDiscoveryServiceGrpc.ClientStatusDiscoveryServiceImplBase {
  private static final List<String> TYPES = List.of(Resources.V3.LISTENER_TYPE_URL, Resources.V3.ROUTE_TYPE_URL,
      Resources.V3.CLUSTER_TYPE_URL, Resources.V3.ENDPOINT_TYPE_URL);

  private final ProxyRegistry proxies;
  private final SnapshotPublisher publisher;

  public ClientStatusService(ProxyRegistry proxies, SnapshotPublisher publisher) {
    this.proxies = proxies;
    this.publisher = publisher;
  }

  @Override
  public void fetchClientStatus(ClientStatusRequest request, StreamObserver<ClientStatusResponse> response) {
    response.onNext(status(request));
    response.onCompleted();
  }

  @Override
  public StreamObserver<ClientStatusRequest> streamClientStatus(StreamObserver<ClientStatusResponse> response) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ClientStatusRequest request) {
        response.onNext(status(request));
      }

      @Override
      public void onError(Throwable t) {
      }

      @Override
      public void onCompleted() {
        response.onCompleted();
      }
    };
  }

  /** One ClientConfig per connected proxy, or only for the node the request names. */
  ClientStatusResponse status(ClientStatusRequest request) {
    String wanted = request.hasNode() ? request.getNode().getId() : "";
    ClientStatusResponse.Builder result = ClientStatusResponse.newBuilder();
    proxies.streams().stream()
        .filter(s -> s.node().isPresent())
        .filter(s -> wanted.isEmpty() || s.node().get().getId().equals(wanted))
        .sorted(Comparator.comparing((ProxyStream s) -> s.node().get().getId()))
        .forEach(s -> result.addConfig(config(s)));
    return result.build();
  }

  private ClientConfig config(ProxyStream stream) {
    Node node = stream.node().orElseThrow();
    ClientConfig.Builder config = ClientConfig.newBuilder().setNode(node);
    // What this stream is meant to hold now: its own make-before-break step, or its profile's target.
    Snapshot snapshot = stream.served().map(SnapshotFactory::snapshot).orElse(null);
    if (snapshot == null) {
      return config.build();
    }
    Map<String, ProxyStream.TypeState> types = stream.types();
    for (String typeUrl : TYPES) {
      ProxyStream.TypeState state = types.get(typeUrl);
      String version = snapshot.version(typeUrl);
      boolean acked = state != null && state.ackedVersion().equals(version);
      boolean nacked = state != null && state.lastNack().map(n -> n.version().equals(version)).orElse(false);
      Map<String, Message> resources =
          new TreeMap<>(snapshot.resources(Resources.TYPE_URLS_TO_RESOURCE_TYPE.get(typeUrl)));
      for (Map.Entry<String, Message> entry : resources.entrySet()) {
        ClientConfig.GenericXdsConfig.Builder generic = ClientConfig.GenericXdsConfig.newBuilder()
            .setTypeUrl(typeUrl)
            .setName(entry.getKey())
            .setVersionInfo(version)
            .setXdsConfig(Any.pack(entry.getValue()))
            .setConfigStatus(nacked ? ConfigStatus.ERROR : acked ? ConfigStatus.SYNCED
                : state == null || state.sentVersion().isEmpty() ? ConfigStatus.NOT_SENT : ConfigStatus.STALE)
            .setClientStatus(nacked ? ClientResourceStatus.NACKED : acked ? ClientResourceStatus.ACKED
                : ClientResourceStatus.REQUESTED);
        if (nacked) {
          ConfigDumps.failure(stream, typeUrl).ifPresent(generic::setErrorState);
        }
        config.addGenericXdsConfigs(generic);
      }
    }
    return config.build();
  }
}
