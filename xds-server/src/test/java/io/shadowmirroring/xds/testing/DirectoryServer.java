package io.shadowmirroring.xds.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.ServerSettings;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.analysis.ShadowJudge;
import io.shadowmirroring.xds.source.DirectorySource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The real server on 127.0.0.1, fed from a directory of real YAML files, with a channel to it. Every
 * snapshot it publishes is checked against Envoy's proto constraints; closing it fails on a violation.
 */
public final class DirectoryServer implements AutoCloseable {
  private final Path directory;
  private final ShadowMirroringServer server;
  private final ManagedChannel channel;
  private final SnapshotConstraints constraints;

  public DirectoryServer(Path directory, ServerSettings settings, Duration pollInterval) throws Exception {
    this.directory = directory;
    this.server = ShadowMirroringServer.start(settings, new DirectorySource(directory, pollInterval));
    this.constraints = new SnapshotConstraints().watch(server);
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
  }

  public DirectoryServer(Path directory) throws Exception {
    this(directory, ServerSettings.loopbackForTests(), Duration.ofMillis(30));
  }

  /** With a judge the test controls instead of the server's own. */
  public DirectoryServer(Path directory, ShadowJudge judge) throws Exception {
    this.directory = directory;
    this.server = ShadowMirroringServer.start(ServerSettings.loopbackForTests(),
        new DirectorySource(directory, Duration.ofMillis(30)), judge);
    this.constraints = new SnapshotConstraints().watch(server);
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
  }

  /** Writes a file atomically, as editors and ConfigMap mounts do. */
  public static void write(Path file, String content) throws IOException {
    Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(temporary, content);
    Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  public void write(String fileName, String content) throws IOException {
    write(directory.resolve(fileName), content);
  }

  public ShadowMirroringServer server() {
    return server;
  }

  public SnapshotConstraints constraints() {
    return constraints;
  }

  public ManagedChannel channel() {
    return channel;
  }

  public AdsTestClient envoy(String nodeId) {
    return new AdsTestClient(channel, AdsTestClient.envoyNode(nodeId)).start();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    constraints.assertNoViolations();
  }
}
