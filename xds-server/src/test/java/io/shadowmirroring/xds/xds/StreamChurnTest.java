package io.shadowmirroring.xds.xds;

import static io.shadowmirroring.xds.testing.AdsTestClient.CDS;
import static io.shadowmirroring.xds.testing.Manifests.documents;
import static io.shadowmirroring.xds.testing.Manifests.endpointSlice;
import static io.shadowmirroring.xds.testing.Manifests.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.shadowmirroring.xds.testing.AdsTestClient;
import io.shadowmirroring.xds.testing.DirectoryServer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, scenario 7: 2,000 streams that connect, get their config and go away (cancelled, half-closed,
 * or Delta and cancelled) leave nothing behind: no stream in the registry, no thread, no heap, and no ERROR
 * in the log for what is a normal way for a proxy to leave.
 */
class StreamChurnTest {
  private static final int CYCLES = 2_000;
  private static final int CONCURRENCY = 8;

  @TempDir Path directory;

  private enum Leave { CANCEL, HALF_CLOSE, DELTA_CANCEL }

  /** One stream's life: connect, get the clusters, leave the given way. Returns once the stream is over. */
  private static void cycle(DirectoryServer server, int i, Leave leave) throws InterruptedException {
    CountDownLatch answered = new CountDownLatch(1);
    CountDownLatch ended = new CountDownLatch(1);
    AtomicInteger problems = new AtomicInteger();
    var stub = AggregatedDiscoveryServiceGrpc.newStub(server.channel());
    if (leave == Leave.DELTA_CANCEL) {
      var holder = new ClientCallStreamObserver<?>[1];
      var requests = stub.deltaAggregatedResources(new ClientResponseObserver<DeltaDiscoveryRequest, DeltaDiscoveryResponse>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<DeltaDiscoveryRequest> stream) {
          holder[0] = stream;
        }

        @Override
        public void onNext(DeltaDiscoveryResponse response) {
          answered.countDown();
        }

        @Override
        public void onError(Throwable t) {
          ended.countDown();
        }

        @Override
        public void onCompleted() {
          ended.countDown();
        }
      });
      requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(AdsTestClient.envoyNode("churn-" + i)).setTypeUrl(CDS).build());
      await(answered, "a delta response", i);
      holder[0].cancel("proxy going away", null);
      return;
    }
    var holder = new ClientCallStreamObserver<?>[1];
    var requests = stub.streamAggregatedResources(new ClientResponseObserver<DiscoveryRequest, DiscoveryResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> stream) {
        holder[0] = stream;
      }

      @Override
      public void onNext(DiscoveryResponse response) {
        answered.countDown();
      }

      @Override
      public void onError(Throwable t) {
        if (leave == Leave.HALF_CLOSE) {
          problems.incrementAndGet();
        }
        ended.countDown();
      }

      @Override
      public void onCompleted() {
        ended.countDown();
      }
    });
    requests.onNext(DiscoveryRequest.newBuilder().setNode(AdsTestClient.envoyNode("churn-" + i)).setTypeUrl(CDS).build());
    await(answered, "a response", i);
    if (leave == Leave.CANCEL) {
      holder[0].cancel("proxy going away", null);
    } else {
      // The client is done sending; the server must end the stream in turn.
      requests.onCompleted();
      await(ended, "the server to end a half-closed stream", i);
      assertThat(problems.get()).as("a half-close ended with an error").isZero();
    }
  }

  private static void await(CountDownLatch latch, String what, int i) throws InterruptedException {
    if (!latch.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("stream " + i + ": no " + what + " within 10 s");
    }
  }

  private static void run(DirectoryServer server, int from, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    try {
      List<Future<?>> cycles = new ArrayList<>();
      for (int i = from; i < from + count; i++) {
        int n = i;
        cycles.add(pool.submit(() -> {
          cycle(server, n, Leave.values()[n % Leave.values().length]);
          return null;
        }));
      }
      for (Future<?> cycle : cycles) {
        cycle.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void awaitNoStreams(DirectoryServer server) {
    for (int i = 0; i < 500 && !server.server().proxies().streams().isEmpty(); i++) {
      AdsTestClient.sleep(10);
    }
  }

  /** The heap used after a full collection, the least of a few tries: a floor, not a sample of garbage. */
  private static long heapAfterGc() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      AdsTestClient.sleep(100);
      least = Math.min(least, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static List<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
  }

  @Test
  @DisplayName("2,000 connect/cancel/half-close cycles leave the registry, threads and heap at their baseline, and log no ERROR")
  void churn() throws Exception {
    String services = documents(
        service("churn", "app", Map.of("shadow-mirroring.io/mirror-to", "app-shadow"), 80, "http"),
        endpointSlice("churn", "app", "http", 8080, "10.3.0.1"),
        service("churn", "app-shadow", Map.of(), 80, "http"),
        endpointSlice("churn", "app-shadow", "http", 8080, "10.3.0.2"));
    DirectoryServer.write(directory.resolve("churn.yaml"), services);
    try (DirectoryServer server = new DirectoryServer(directory)) {
      io.shadowmirroring.xds.testing.FirstBuild.await(server.server());
      // Warm up with the same concurrency, so thread pools and caches are at their working size.
      run(server, 0, 200);
      awaitNoStreams(server);
      int threadsBefore = liveThreads();
      long heapBefore = heapAfterGc();

      PrintStream originalErr = System.err;
      ByteArrayOutputStream log = new ByteArrayOutputStream();
      System.setErr(new PrintStream(new Tee(originalErr, log), true, StandardCharsets.UTF_8));
      long started = System.nanoTime();
      try {
        run(server, 200, CYCLES);
        awaitNoStreams(server);
      } finally {
        System.setErr(originalErr);
      }
      long millis = (System.nanoTime() - started) / 1_000_000;

      int threadsAfter = liveThreads();
      long heapAfter = heapAfterGc();
      System.out.printf("%d stream cycles in %d ms; threads %d -> %d; heap after GC %d KB -> %d KB%n",
          CYCLES, millis, threadsBefore, threadsAfter, heapBefore / 1024, heapAfter / 1024);
      assertThat(server.server().proxies().streams()).as("streams left in the registry").isEmpty();
      // Thread pools (gRPC's cached executor, Netty's event loops) may still be growing to their working size
      // after the warm-up; a leak would be one thread per stream, thousands.
      assertThat(threadsAfter).as("live threads: %s", threadNames()).isLessThanOrEqualTo(threadsBefore + 2 * CONCURRENCY);
      // 2,000 leaked streams of even 1 KB each would be 2 MB.
      assertThat(heapAfter - heapBefore).as("heap growth after GC, bytes").isLessThan(2L * 1024 * 1024);
      String logged = log.toString(StandardCharsets.UTF_8);
      assertThat(logged.lines().filter(line -> line.contains(" ERROR ")).toList()).as("ERROR lines").isEmpty();
      // The server still serves a fresh stream normally.
      try (AdsTestClient envoy = server.envoy("after-churn")) {
        assertThat(AdsTestClient.clusterNames(envoy.latest(CDS, java.time.Duration.ofSeconds(10))))
            .contains("churn/app:80", "churn/app-shadow:80");
      }
    }
  }

  /** Writes to the console as before and to the captured log. */
  private static final class Tee extends OutputStream {
    private final OutputStream first;
    private final OutputStream second;

    Tee(OutputStream first, OutputStream second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public synchronized void write(int b) throws java.io.IOException {
      first.write(b);
      second.write(b);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws java.io.IOException {
      first.write(bytes, offset, length);
      second.write(bytes, offset, length);
    }
  }
}
