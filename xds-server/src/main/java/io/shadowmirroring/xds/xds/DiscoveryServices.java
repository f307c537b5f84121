package io.shadowmirroring.xds.xds;

import io.envoyproxy.envoy.service.cluster.v3.ClusterDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.endpoint.v3.EndpointDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.listener.v3.ListenerDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.route.v3.RouteDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.runtime.v3.RuntimeDiscoveryServiceGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The xDS services on the gRPC port, served by this project's own streams ({@link ServingStream})
 * rather than java-control-plane's V3DiscoveryServer: ADS (state-of-the-world and delta), the
 * per-type CDS, EDS, LDS, RDS services, and RTDS. Their method descriptors are the generated ones with
 * the response marshaller swapped for one that writes pre-serialized bytes ({@link WireResponse}), and
 * the SotW request marshaller for one that keeps the names encoded ({@link SotwRequest}), so reflection
 * and clients see the very same services.
 */
public final class DiscoveryServices {
  private static final Logger LOG = LoggerFactory.getLogger(DiscoveryServices.class);
  private static final MethodDescriptor.Marshaller<WireResponse> RESPONSES = new WireResponse.Marshaller();
  private static final MethodDescriptor.Marshaller<SotwRequest> SOTW_REQUESTS = new SotwRequest.Marshaller();
  private static final MethodDescriptor.Marshaller<DeltaDiscoveryRequest> DELTA_REQUESTS =
      ProtoUtils.marshaller(DeltaDiscoveryRequest.getDefaultInstance());

  private final SnapshotPublisher publisher;
  private final ProxyRegistry registry;
  private final ResponseBudget budget;

  public DiscoveryServices(SnapshotPublisher publisher, ProxyRegistry registry, ResponseBudget budget) {
    this.publisher = publisher;
    this.registry = registry;
    this.budget = budget;
  }

  /** With the default response budget, its gauges unpublished. */
  public DiscoveryServices(SnapshotPublisher publisher, ProxyRegistry registry) {
    this(publisher, registry, new ResponseBudget(ResponseBudget.defaultLimit(),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
  }

  public List<ServerServiceDefinition> definitions() {
    return List.of(
        service(AggregatedDiscoveryServiceGrpc.getServiceDescriptor(), null),
        service(ClusterDiscoveryServiceGrpc.getServiceDescriptor(), XdsTypes.CLUSTER),
        service(EndpointDiscoveryServiceGrpc.getServiceDescriptor(), XdsTypes.ENDPOINT),
        service(ListenerDiscoveryServiceGrpc.getServiceDescriptor(), XdsTypes.LISTENER),
        service(RouteDiscoveryServiceGrpc.getServiceDescriptor(), XdsTypes.ROUTE),
        service(RuntimeDiscoveryServiceGrpc.getServiceDescriptor(), XdsTypes.RUNTIME));
  }

  /** A service with every method of the generated descriptor: Stream*, Delta*, and Fetch* refused. */
  @SuppressWarnings("unchecked")
  private ServerServiceDefinition service(ServiceDescriptor generated, String fixedType) {
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(generated.getName())
        .setSchemaDescriptor(generated.getSchemaDescriptor());
    ServerServiceDefinition.Builder definition;
    List<MethodDescriptor<?, WireResponse>> methods = new java.util.ArrayList<>();
    for (MethodDescriptor<?, ?> method : generated.getMethods()) {
      boolean delta = method.getBareMethodName().startsWith("Delta");
      MethodDescriptor<?, WireResponse> ours = delta
          ? ((MethodDescriptor<DeltaDiscoveryRequest, ?>) method).toBuilder(DELTA_REQUESTS, RESPONSES).build()
          : ((MethodDescriptor<DiscoveryRequest, ?>) method).toBuilder(SOTW_REQUESTS, RESPONSES).build();
      methods.add(ours);
      descriptor.addMethod(ours);
    }
    definition = ServerServiceDefinition.builder(descriptor.build());
    for (MethodDescriptor<?, WireResponse> method : methods) {
      String name = method.getBareMethodName();
      if (name.startsWith("Delta")) {
        definition.addMethod((MethodDescriptor<DeltaDiscoveryRequest, WireResponse>) method,
            ServerCalls.asyncBidiStreamingCall(responses -> delta(responses, fixedType)));
      } else if (name.startsWith("Stream")) {
        definition.addMethod((MethodDescriptor<SotwRequest, WireResponse>) method,
            ServerCalls.asyncBidiStreamingCall(responses -> sotw(responses, fixedType)));
      } else {
        definition.addMethod((MethodDescriptor<SotwRequest, WireResponse>) method,
            ServerCalls.asyncUnaryCall((request, responses) -> responses.onError(Status.UNIMPLEMENTED
                .withDescription("Fetch (REST-style polling) is not served; use the streaming methods")
                .asRuntimeException())));
      }
    }
    return definition.build();
  }

  private StreamObserver<SotwRequest> sotw(StreamObserver<WireResponse> responses, String fixedType) {
    ServingStream stream = open(responses, false, fixedType);
    return new Requests<>(stream, responses) {
      @Override
      void handle(SotwRequest request) {
        stream.onSotw(request);
      }
    };
  }

  private StreamObserver<DeltaDiscoveryRequest> delta(StreamObserver<WireResponse> responses, String fixedType) {
    ServingStream stream = open(responses, true, fixedType);
    return new Requests<>(stream, responses) {
      @Override
      void handle(DeltaDiscoveryRequest request) {
        stream.onDelta(request);
      }
    };
  }

  private ServingStream open(StreamObserver<WireResponse> responses, boolean delta, String fixedType) {
    return new ServingStream(registry.open(delta), fixedType, (ServerCallStreamObserver<WireResponse>) responses,
        publisher, registry, budget);
  }

  /** Requests of one stream, in order; a failure ends that stream only, with a status. */
  private abstract static class Requests<Q> implements StreamObserver<Q> {
    private final ServingStream stream;
    private final StreamObserver<WireResponse> responses;

    Requests(ServingStream stream, StreamObserver<WireResponse> responses) {
      this.stream = stream;
      this.responses = responses;
    }

    abstract void handle(Q request);

    @Override
    public void onNext(Q request) {
      try {
        handle(request);
      } catch (RuntimeException e) {
        LOG.error("xDS stream {}: could not handle a request", stream.info().streamId(), e);
        stream.close();
        try {
          responses.onError(Status.INTERNAL.withDescription("the server could not handle the request")
              .asRuntimeException());
        } catch (RuntimeException ignored) {
          // Already closed.
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      // A cancel or a broken connection: normal for a proxy that goes away, so not an error here.
      stream.close();
    }

    @Override
    public void onCompleted() {
      stream.close();
      try {
        responses.onCompleted();
      } catch (RuntimeException ignored) {
        // Already closed.
      }
    }
  }
}
