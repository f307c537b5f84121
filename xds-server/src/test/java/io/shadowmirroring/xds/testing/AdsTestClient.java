package io.shadowmirroring.xds.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.Status;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A state-of-the-world ADS client that behaves like Envoy: it subscribes to CDS and LDS as wildcards,
 * follows them with EDS for every assignment a cluster names and RDS for every route configuration a
 * listener names, and
 * answers every response with an ACK, or with a NACK when {@code rejector} says so.
 */
public final class AdsTestClient implements AutoCloseable {
  public static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  public static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
  public static final String LDS = Resources.V3.LISTENER_TYPE_URL;
  public static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  private final Node node;
  private final StreamObserver<DiscoveryRequest> requests;
  private final List<DiscoveryResponse> received = new CopyOnWriteArrayList<>();
  private final Map<String, List<String>> subscriptions = new ConcurrentHashMap<>();
  private final Map<String, String> ackedVersions = new ConcurrentHashMap<>();
  private volatile Function<DiscoveryResponse, Optional<String>> rejector = r -> Optional.empty();
  private volatile Throwable streamError;
  private volatile boolean nodeOnFirstMessageOnly;
  private volatile boolean silent;
  private volatile boolean following = true;
  private boolean sentFirst;

  public AdsTestClient(ManagedChannel channel, Node node) {
    this.node = node;
    this.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(new StreamObserver<>() {
      @Override
      public void onNext(DiscoveryResponse response) {
        received.add(response);
        if (!silent) {
          answer(response);
        }
      }

      @Override
      public void onError(Throwable t) {
        streamError = t;
      }

      @Override
      public void onCompleted() {
      }
    });
  }

  public static Node envoyNode(String id) {
    return Node.newBuilder().setId(id).setCluster("test").setUserAgentName("envoy").build();
  }

  /** Sends the node only in the stream's first request, as Envoy's {@code set_node_on_first_message_only}. */
  public AdsTestClient nodeOnFirstMessageOnly() {
    this.nodeOnFirstMessageOnly = true;
    return this;
  }

  /** From now on, answers nothing: neither ACK nor NACK, as a stuck proxy. */
  public AdsTestClient silent() {
    this.silent = true;
    return this;
  }

  /** From now on, subscribes only to what the test asks for: no EDS and RDS follow-ups of its own. */
  public AdsTestClient manual() {
    this.following = false;
    return this;
  }

  /**
   * Reconnects as Envoy does after a restart of the server: each type's first request carries the
   * version the client holds and the names it holds.
   */
  public AdsTestClient resume(Map<String, String> versions, Map<String, List<String>> names) {
    for (String type : List.of(CDS, LDS, EDS, RDS)) {
      if (versions.containsKey(type)) {
        ackedVersions.put(type, versions.get(type));
        subscribe(type, names.getOrDefault(type, List.of()));
      }
    }
    return this;
  }

  /** Sends a request as it is, the node added to the stream's first one as usual. */
  public void send(DiscoveryRequest request) {
    sendRaw(request);
  }

  /** The status the server ended the stream with, waiting for it (bounded); fails if it stays open. */
  public io.grpc.Status awaitError(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && streamError == null) {
      sleep(10);
    }
    if (streamError == null) {
      throw new AssertionError("the stream is still open after " + timeout.toMillis() + " ms");
    }
    return io.grpc.Status.fromThrowable(streamError);
  }

  /** True while the server has not ended the stream. */
  public boolean open() {
    return streamError == null;
  }

  /** Opens CDS and LDS as Envoy does at start. */
  public AdsTestClient start() {
    subscribe(CDS, List.of());
    subscribe(LDS, List.of());
    return this;
  }

  /** NACK every response for which this returns an error message. */
  public void rejectWhen(Function<DiscoveryResponse, Optional<String>> rejector) {
    this.rejector = rejector;
  }

  public List<DiscoveryResponse> received() {
    return List.copyOf(received);
  }

  public List<DiscoveryResponse> received(String typeUrl) {
    return received.stream().filter(r -> r.getTypeUrl().equals(typeUrl)).toList();
  }

  public Optional<String> ackedVersion(String typeUrl) {
    return Optional.ofNullable(ackedVersions.get(typeUrl));
  }

  /** Waits (bounded) until a response matches; fails with what was received otherwise. */
  public DiscoveryResponse await(String what, Predicate<DiscoveryResponse> matching, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    while (System.nanoTime() < deadline) {
      List<DiscoveryResponse> snapshot = received();
      for (int i = seen; i < snapshot.size(); i++) {
        if (matching.test(snapshot.get(i))) {
          return snapshot.get(i);
        }
      }
      if (streamError != null) {
        throw new AssertionError("stream failed while waiting for " + what, streamError);
      }
      sleep(10);
    }
    throw new AssertionError("no response with " + what + " within " + timeout.toMillis() + " ms; got "
        + received().stream().map(r -> shortType(r.getTypeUrl()) + "@" + r.getVersionInfo()).toList());
  }

  /** The latest response of a type, waiting for the first one (bounded). */
  public DiscoveryResponse latest(String typeUrl, Duration timeout) {
    await(shortType(typeUrl), r -> r.getTypeUrl().equals(typeUrl), timeout);
    List<DiscoveryResponse> ofType = received(typeUrl);
    return ofType.get(ofType.size() - 1);
  }

  public void subscribe(String typeUrl, List<String> names) {
    subscriptions.put(typeUrl, List.copyOf(names));
    send(DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(typeUrl)
        .addAllResourceNames(names)
        .setVersionInfo(ackedVersions.getOrDefault(typeUrl, ""))
        .build());
  }

  private void answer(DiscoveryResponse response) {
    String type = response.getTypeUrl();
    Optional<String> error = rejector.apply(response);
    DiscoveryRequest.Builder reply = DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(type)
        .setResponseNonce(response.getNonce())
        .addAllResourceNames(subscriptions.getOrDefault(type, List.of()));
    if (error.isPresent()) {
      reply.setVersionInfo(ackedVersions.getOrDefault(type, ""))
          .setErrorDetail(Status.newBuilder().setCode(3).setMessage(error.get()));
      send(reply.build());
      return;
    }
    ackedVersions.put(type, response.getVersionInfo());
    send(reply.setVersionInfo(response.getVersionInfo()).build());
    // Follow-up subscriptions after the ACK, the way Envoy does once clusters and listeners arrive.
    if (!following) {
      return;
    }
    if (type.equals(CDS)) {
      List<String> assignments = edsNames(response);
      if (!assignments.equals(subscriptions.get(EDS))) {
        subscribe(EDS, assignments);
      }
    } else if (type.equals(LDS)) {
      List<String> routes = routeNames(response);
      if (!routes.equals(subscriptions.get(RDS))) {
        subscribe(RDS, routes);
      }
    }
  }

  private synchronized void sendRaw(DiscoveryRequest request) {
    requests.onNext(sentFirst && nodeOnFirstMessageOnly ? request.toBuilder().clearNode().build() : request);
    sentFirst = true;
  }

  public static List<String> clusterNames(DiscoveryResponse response) {
    return unpack(response, Cluster.class).stream().map(Cluster::getName).sorted().toList();
  }

  /**
   * The ClusterLoadAssignments the clusters ask for: an EDS cluster's {@code service_name}, else its name, as
   * Envoy's EdsClusterImpl does (source/extensions/clusters/eds/eds.cc). Mirror clusters share their target's.
   */
  public static List<String> edsNames(DiscoveryResponse response) {
    return unpack(response, Cluster.class).stream()
        .filter(c -> c.getType() == Cluster.DiscoveryType.EDS)
        .map(c -> c.getEdsClusterConfig().getServiceName().isEmpty()
            ? c.getName() : c.getEdsClusterConfig().getServiceName())
        .distinct().sorted().toList();
  }

  public static List<String> routeNames(DiscoveryResponse response) {
    List<String> names = new ArrayList<>();
    for (Listener listener : unpack(response, Listener.class)) {
      var any = listener.hasApiListener()
          ? listener.getApiListener().getApiListener()
          : listener.getFilterChains(0).getFilters(0).getTypedConfig();
      try {
        names.add(any.unpack(HttpConnectionManager.class).getRds().getRouteConfigName());
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }
    return names.stream().sorted().toList();
  }

  public static <T extends com.google.protobuf.Message> List<T> unpack(DiscoveryResponse response, Class<T> type) {
    return response.getResourcesList().stream().map(any -> {
      try {
        return any.unpack(type);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
    }).toList();
  }

  /** Cluster names that the routes of an RDS response send traffic or copies to. */
  public static List<String> referencedClusters(DiscoveryResponse rds) {
    List<String> names = new ArrayList<>();
    for (RouteConfiguration config : unpack(rds, RouteConfiguration.class)) {
      config.getVirtualHostsList().forEach(vh -> vh.getRoutesList().forEach(route -> {
        names.add(route.getRoute().getCluster());
        route.getRoute().getRequestMirrorPoliciesList().forEach(m -> names.add(m.getCluster()));
      }));
    }
    return names.stream().distinct().sorted().toList();
  }

  /** Cluster names that the routes of an RDS response send copies to. */
  public static List<String> mirrorClusters(DiscoveryResponse rds) {
    return unpack(rds, RouteConfiguration.class).stream()
        .flatMap(config -> config.getVirtualHostsList().stream())
        .flatMap(vh -> vh.getRoutesList().stream())
        .flatMap(route -> route.getRoute().getRequestMirrorPoliciesList().stream())
        .map(m -> m.getCluster())
        .distinct().sorted().toList();
  }

  public static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // The stream may already be gone.
    }
  }
}
