package io.shadowmirroring.xds.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.source.KubernetesSource;
import io.shadowmirroring.xds.testing.SnapshotConstraints;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * grpc-java's own xDS client as a real proxyless client: it dials
 * {@code xds:///app-service.shadow-demo.svc.cluster.local:8080} through a bootstrap file pointing at
 * the server, which learns the backends from EndpointSlices in fabric8's mock API server.
 */
@EnableKubernetesMockClient(crud = true)
class GrpcXdsClientTest {
  private static final String TARGET = "xds:///app-service.shadow-demo.svc.cluster.local:8080";
  private static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("test.Backend/Who")
      .setRequestMarshaller(new Utf8())
      .setResponseMarshaller(new Utf8())
      .build();

  static KubernetesMockServer mockServer;
  static KubernetesClient client;

  private static ShadowMirroringServer server;
  private static SnapshotConstraints constraints;
  private static Server production;
  private static Server replacement;
  private static Server shadow;
  private static Path bootstrap;

  @BeforeAll
  static void start() throws Exception {
    production = backend("production-v1");
    replacement = backend("production-v1-replacement");
    shadow = backend("shadow-v2");
    server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(), new KubernetesSource(client, List.of(), ""));
    constraints = new SnapshotConstraints().watch(server);
    bootstrap = Files.createTempFile("xds-bootstrap", ".json");
    Files.writeString(bootstrap, """
        {
          "xds_servers": [{
            "server_uri": "127.0.0.1:%d",
            "channel_creds": [{"type": "insecure"}],
            "server_features": ["xds_v3"]
          }],
          "node": {"id": "grpc-test-client", "cluster": "tests", "locality": {"zone": "local"}}
        }
        """.formatted(server.xdsPort()));
    System.setProperty("io.grpc.xds.bootstrap", bootstrap.toString());

    client.resource(grpcService("app-service", Map.of("shadow-mirroring.io/mirror-to", "app-shadow-service"))).create();
    client.resource(grpcService("app-shadow-service", Map.of())).create();
    client.resource(slice("app-service", production)).create();
    client.resource(slice("app-shadow-service", shadow)).create();
  }

  @AfterAll
  static void stop() throws IOException {
    System.clearProperty("io.grpc.xds.bootstrap");
    server.close();
    production.shutdownNow();
    replacement.shutdownNow();
    shadow.shutdownNow();
    constraints.assertNoViolations();
    Files.deleteIfExists(bootstrap);
  }

  @Test
  @DisplayName("a real RPC over xds:/// reaches the backend from the EndpointSlice, then the new one after the slice changes")
  void followsEndpointSlices() throws Exception {
    ManagedChannel channel = Grpc.newChannelBuilder(TARGET, InsecureChannelCredentials.create()).build();
    try {
      assertThat(callUntil(channel, "production-v1")).isEqualTo("production-v1");

      client.resource(slice("app-service", replacement)).update();

      assertThat(callUntil(channel, "production-v1-replacement")).isEqualTo("production-v1-replacement");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // Bounded: the xDS client needs a moment to fetch LDS/RDS/CDS/EDS, and EDS updates are asynchronous.
  private static String callUntil(ManagedChannel channel, String expected) {
    String last = "no answer";
    for (int attempt = 0; attempt < 100; attempt++) {
      try {
        last = ClientCalls.blockingUnaryCall(channel, WHO,
            CallOptions.DEFAULT.withWaitForReady().withDeadlineAfter(2, TimeUnit.SECONDS), "who are you?");
        if (last.equals(expected)) {
          return last;
        }
      } catch (StatusRuntimeException e) {
        last = e.getStatus().toString();
      }
      sleep(100);
    }
    return last;
  }

  private static io.fabric8.kubernetes.api.model.Service grpcService(String name, Map<String, String> annotations) {
    return new ServiceBuilder()
        .withNewMetadata().withName(name).withNamespace("shadow-demo").withAnnotations(annotations).endMetadata()
        .withNewSpec().addNewPort().withName("grpc").withPort(8080).withNewTargetPort("grpc").endPort().endSpec()
        .build();
  }

  private static EndpointSlice slice(String service, Server backend) {
    return new EndpointSliceBuilder()
        .withNewMetadata().withName(service + "-slice").withNamespace("shadow-demo")
        .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("grpc").withPort(backend.getPort()).endPort()
        .addNewEndpoint().withAddresses("127.0.0.1").withNewConditions().withReady(true).endConditions().endEndpoint()
        .build();
  }

  private static Server backend(String name) throws IOException {
    ServerServiceDefinition service = ServerServiceDefinition.builder("test.Backend")
        .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(name);
          response.onCompleted();
        }))
        .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
