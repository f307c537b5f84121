package io.shadowmirroring.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The fixture as objects in fabric8's mock API server (CRUD mode) on 127.0.0.1, which both servers
 * watch through a kubeconfig, as they would a cluster. Edits are the patches {@code kubectl annotate}
 * and the EndpointSlice controller would make.
 */
public final class KubernetesFeed implements InputFeed {
  // The mock logs every request at INFO; thousands of lines would drown the harness's own.
  private final java.util.logging.Logger mockLog = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");
  private final MeshFixture fixture;
  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final Path kubeconfig;

  public KubernetesFeed(Path work, MeshFixture fixture) {
    this.fixture = fixture;
    mockLog.setLevel(java.util.logging.Level.WARNING);
    this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesMixedDispatcher(new HashMap<>()), false);
    try {
      server.init(InetAddress.getLoopbackAddress(), 0);
      this.client = server.createClient();
      Files.createDirectories(work);
      this.kubeconfig = Files.writeString(work.resolve("kubeconfig"), """
          apiVersion: v1
          kind: Config
          clusters: [{name: mock, cluster: {server: "%s"}}]
          users: [{name: mock, user: {token: mock}}]
          contexts: [{name: mock, context: {cluster: mock, user: mock, namespace: %s}}]
          current-context: mock
          """.formatted(server.url("/").replaceAll("/$", ""), MeshFixture.NAMESPACE));
    } catch (IOException e) {
      server.destroy();
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void publishAll() throws IOException {
    // A few at a time: one by one, a thousand Services and slices take minutes on a busy machine.
    ExecutorService creators = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> created = new ArrayList<>();
      for (int i = 0; i < fixture.services(); i++) {
        int service = i;
        created.add(creators.submit(() -> {
          client.resource(fixture.service(service)).create();
          client.resource(fixture.slice(service)).create();
        }));
      }
      for (Future<?> future : created) {
        future.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while creating the Services", e);
    } catch (ExecutionException e) {
      throw new IOException("could not create the Services: " + e.getCause().getMessage(), e.getCause());
    } finally {
      creators.shutdownNow();
    }
  }

  // One merge patch each, as kubectl annotate and the EndpointSlice controller send (one request, no read).
  @Override
  public void updateService(int i) {
    client.services().inNamespace(MeshFixture.NAMESPACE).withName(MeshFixture.name(i))
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"annotations\":"
            + json(fixture.annotations(i)) + "}}");
  }

  @Override
  public void updateSlice(int i) {
    StringBuilder endpoints = new StringBuilder();
    for (String address : fixture.addresses(i)) {
      endpoints.append(endpoints.length() == 0 ? "" : ",")
          .append("{\"addresses\":[\"").append(address).append("\"],\"conditions\":{\"ready\":true}}");
    }
    client.discovery().v1().endpointSlices().inNamespace(MeshFixture.NAMESPACE).withName(MeshFixture.sliceName(i))
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"endpoints\":[" + endpoints + "]}");
  }

  private static String json(Map<String, String> map) {
    StringBuilder out = new StringBuilder("{");
    map.forEach((k, v) -> out.append(out.length() == 1 ? "" : ",").append('"').append(k).append("\":\"")
        .append(v).append('"'));
    return out.append('}').toString();
  }

  @Override
  public String sourceArgument() {
    return "kubernetes";
  }

  @Override
  public List<String> environment() {
    return List.of("KUBECONFIG=" + kubeconfig);
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
