package io.shadowmirroring.xds.testing;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.EDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.LDS;
import static io.shadowmirroring.xds.testing.AdsTestClient.RDS;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Envoy-like ADS streams that survive a server restart the way Envoy does: when the stream fails, the
 * client opens a new one and tells the server what it holds, a state-of-the-world client with the
 * {@code version_info} it last accepted per type, a Delta client with {@code initial_resource_versions}
 * (Envoy's {@code GrpcMuxImpl} / {@code NewGrpcMuxImpl} on reconnect). Every response is recorded with the
 * generation of the stream it came on, and ACKed.
 */
public final class ReconnectingAds implements AutoCloseable {
  private static final List<String> TYPES = List.of(CDS, EDS, LDS, RDS);

  private final ScheduledExecutorService reopen = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "reconnecting-ads");
    thread.setDaemon(true);
    return thread;
  });
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  /** One response as the client saw it: the stream generation, the type, and what it carried. */
  public record Received(int generation, String typeUrl, String version, List<String> names, List<String> removed) {}

  /** Common to both kinds: generations, what was received, and a reconnect when the stream fails. */
  public abstract sealed class Client permits Sotw, Delta {
    protected final ManagedChannel channel;
    protected final Node node;
    protected final List<Received> received = new CopyOnWriteArrayList<>();
    protected int generation;
    private volatile boolean failed;

    Client(ManagedChannel channel, Node node) {
      this.channel = channel;
      this.node = node;
    }

    public List<Received> received() {
      return List.copyOf(received);
    }

    public List<Received> receivedOn(int streamGeneration) {
      return received.stream().filter(r -> r.generation() == streamGeneration).toList();
    }

    /** How many times the stream was reopened. */
    public synchronized int generation() {
      return generation;
    }

    /** True once a stream failed and was not yet reopened. */
    public boolean failed() {
      return failed;
    }

    /** What the client holds now, per type: resource name to the version it was given. */
    public abstract Map<String, Map<String, String>> held();

    abstract void open();

    protected void streamFailed() {
      failed = true;
      if (!closed) {
        // Envoy backs off before it reconnects; a short fixed delay keeps the test quick.
        reopen.schedule(() -> {
          synchronized (this) {
            generation++;
            failed = false;
            open();
          }
        }, 50, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** A state-of-the-world stream: CDS and LDS wildcards, EDS and RDS for the names they give. */
  public final class Sotw extends Client {
    private final Map<String, String> accepted = new HashMap<>();
    private final Map<String, List<String>> names = new HashMap<>();
    private final Map<String, Map<String, Any>> holding = new TreeMap<>();
    private StreamObserver<DiscoveryRequest> requests;

    Sotw(ManagedChannel channel, Node node) {
      super(channel, node);
    }

    /** The version last accepted per type. */
    public synchronized Map<String, String> accepted() {
      return new TreeMap<>(accepted);
    }

    @Override
    public synchronized Map<String, Map<String, String>> held() {
      Map<String, Map<String, String>> held = new TreeMap<>();
      holding.forEach((type, resources) -> {
        Map<String, String> versions = new TreeMap<>();
        resources.forEach((name, any) -> versions.put(name, Integer.toHexString(any.hashCode())));
        held.put(type, versions);
      });
      return held;
    }

    @Override
    synchronized void open() {
      int mine = generation;
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).withWaitForReady()
          .streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
              answer(mine, response);
            }

            @Override
            public void onError(Throwable t) {
              streamFailed();
            }

            @Override
            public void onCompleted() {
              streamFailed();
            }
          });
      for (String type : TYPES) {
        if (type.equals(CDS) || type.equals(LDS) || names.containsKey(type)) {
          requests.onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type)
              .setVersionInfo(accepted.getOrDefault(type, ""))
              .addAllResourceNames(names.getOrDefault(type, List.of())).build());
        }
      }
    }

    private synchronized void answer(int streamGeneration, DiscoveryResponse response) {
      if (streamGeneration != generation) {
        return;
      }
      String type = response.getTypeUrl();
      Map<String, Any> resources = new TreeMap<>();
      response.getResourcesList().forEach(any -> resources.put(name(type, any), any));
      received.add(new Received(streamGeneration, type, response.getVersionInfo(),
          List.copyOf(resources.keySet()), List.of()));
      if (type.equals(CDS) || type.equals(LDS)) {
        holding.put(type, resources);
      } else {
        // RDS and EDS responses may carry only what changed (xDS "Grouping Resources into Responses").
        holding.computeIfAbsent(type, t -> new TreeMap<>()).putAll(resources);
      }
      accepted.put(type, response.getVersionInfo());
      requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(type).setVersionInfo(response.getVersionInfo())
          .setResponseNonce(response.getNonce()).addAllResourceNames(names.getOrDefault(type, List.of())).build());
      String follow = type.equals(CDS) ? EDS : type.equals(LDS) ? RDS : null;
      if (follow != null) {
        List<String> wanted = follow.equals(EDS) ? AdsTestClient.edsNames(response) : AdsTestClient.routeNames(response);
        if (!wanted.equals(names.get(follow))) {
          names.put(follow, wanted);
          holding.computeIfAbsent(follow, t -> new TreeMap<>()).keySet().retainAll(wanted);
          requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl(follow)
              .setVersionInfo(accepted.getOrDefault(follow, "")).addAllResourceNames(wanted).build());
        }
      }
    }
  }

  /** A Delta stream: CDS and LDS wildcards, EDS and RDS subscribed by name. */
  public final class Delta extends Client {
    private final Map<String, Map<String, String>> versions = new TreeMap<>();
    private final Map<String, Map<String, Any>> bodies = new TreeMap<>();
    private final Map<String, List<String>> names = new HashMap<>();
    private StreamObserver<DeltaDiscoveryRequest> requests;

    Delta(ManagedChannel channel, Node node) {
      super(channel, node);
    }

    @Override
    public synchronized Map<String, Map<String, String>> held() {
      Map<String, Map<String, String>> copy = new TreeMap<>();
      versions.forEach((type, byName) -> copy.put(type, new TreeMap<>(byName)));
      return copy;
    }

    @Override
    synchronized void open() {
      int mine = generation;
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).withWaitForReady()
          .deltaAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DeltaDiscoveryResponse response) {
              answer(mine, response);
            }

            @Override
            public void onError(Throwable t) {
              streamFailed();
            }

            @Override
            public void onCompleted() {
              streamFailed();
            }
          });
      for (String type : TYPES) {
        if (type.equals(CDS) || type.equals(LDS) || names.containsKey(type)) {
          requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type)
              .addAllResourceNamesSubscribe(names.getOrDefault(type, List.of()))
              .putAllInitialResourceVersions(versions.getOrDefault(type, Map.of())).build());
        }
      }
    }

    private synchronized void answer(int streamGeneration, DeltaDiscoveryResponse response) {
      if (streamGeneration != generation) {
        return;
      }
      String type = response.getTypeUrl();
      Map<String, String> byName = versions.computeIfAbsent(type, t -> new TreeMap<>());
      Map<String, Any> body = bodies.computeIfAbsent(type, t -> new TreeMap<>());
      List<String> got = new ArrayList<>();
      for (Resource resource : response.getResourcesList()) {
        byName.put(resource.getName(), resource.getVersion());
        body.put(resource.getName(), resource.getResource());
        got.add(resource.getName());
      }
      response.getRemovedResourcesList().forEach(name -> {
        byName.remove(name);
        body.remove(name);
      });
      received.add(new Received(streamGeneration, type, response.getSystemVersionInfo(), List.copyOf(got),
          List.copyOf(response.getRemovedResourcesList())));
      requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).setResponseNonce(response.getNonce()).build());
      String follow = type.equals(CDS) ? EDS : type.equals(LDS) ? RDS : null;
      if (follow != null) {
        DiscoveryResponse whole = DiscoveryResponse.newBuilder().setTypeUrl(type).addAllResources(body.values()).build();
        List<String> wanted = follow.equals(EDS) ? AdsTestClient.edsNames(whole) : AdsTestClient.routeNames(whole);
        List<String> before = names.getOrDefault(follow, List.of());
        if (!wanted.equals(before)) {
          names.put(follow, wanted);
          // Envoy forgets what it unsubscribes from.
          versions.computeIfAbsent(follow, t -> new TreeMap<>()).keySet().retainAll(wanted);
          bodies.computeIfAbsent(follow, t -> new TreeMap<>()).keySet().retainAll(wanted);
          requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(follow)
              .addAllResourceNamesSubscribe(wanted.stream().filter(n -> !before.contains(n)).toList())
              .addAllResourceNamesUnsubscribe(before.stream().filter(n -> !wanted.contains(n)).toList()).build());
        }
      }
    }
  }

  public Sotw sotw(ManagedChannel channel, Node node) {
    Sotw client = new Sotw(channel, node);
    add(client);
    return client;
  }

  public Delta delta(ManagedChannel channel, Node node) {
    Delta client = new Delta(channel, node);
    add(client);
    return client;
  }

  public List<Client> clients() {
    return List.copyOf(clients);
  }

  private void add(Client client) {
    clients.add(client);
    synchronized (client) {
      client.open();
    }
  }

  private static String name(String type, Any any) {
    try {
      return switch (type) {
        case CDS -> any.unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class).getName();
        case EDS -> any.unpack(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.class).getClusterName();
        case LDS -> any.unpack(io.envoyproxy.envoy.config.listener.v3.Listener.class).getName();
        case RDS -> any.unpack(io.envoyproxy.envoy.config.route.v3.RouteConfiguration.class).getName();
        default -> any.getTypeUrl();
      };
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    closed = true;
    reopen.shutdownNow();
  }
}
