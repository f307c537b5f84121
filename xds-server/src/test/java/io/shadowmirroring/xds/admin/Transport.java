package io.shadowmirroring.xds.admin;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.shadowmirroring.xds.ShadowMirroringServer;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** The two ways the admin API is exercised: its real port on 127.0.0.1, and the same service in-process. */
enum Transport {
  REAL_PORT, IN_PROCESS;

  /** A channel to the server's admin API, and whatever must be closed with it. */
  record Connection(ManagedChannel channel, Server inProcess) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      if (inProcess != null) {
        inProcess.shutdownNow();
      }
    }
  }

  Connection connect(ShadowMirroringServer server) throws IOException {
    if (this == REAL_PORT) {
      return new Connection(NettyChannelBuilder.forAddress("127.0.0.1", server.adminPort()).usePlaintext().build(),
          null);
    }
    String name = InProcessServerBuilder.generateName();
    Server inProcess = InProcessServerBuilder.forName(name).directExecutor()
        .addService(server.adminService()).build().start();
    return new Connection(InProcessChannelBuilder.forName(name).directExecutor().build(), inProcess);
  }
}
