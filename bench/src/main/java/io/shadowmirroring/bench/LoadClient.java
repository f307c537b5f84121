package io.shadowmirroring.bench;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.shadowmirroring.xds.RawBytesMarshaller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * N light Envoy-like ADS streams to one server on 127.0.0.1, at most {@code streamsPerChannel} per
 * channel (HTTP/2 connection), each with its own node id. Messages stay bytes both ways (a raw
 * marshaller): requests are built as protos and serialized once, responses are only scanned.
 */
public final class LoadClient implements AutoCloseable {
  public enum Mode { SOTW, DELTA }

  private static final MethodDescriptor.Marshaller<byte[]> RAW = RawBytesMarshaller.INSTANCE;
  private static final MethodDescriptor<byte[], byte[]> SOTW = method("StreamAggregatedResources");
  private static final MethodDescriptor<byte[], byte[]> DELTA = method("DeltaAggregatedResources");

  private final String host;
  private final int port;
  private final int streamsPerChannel;
  private final MarkerBoard board;
  private final String rtdsLayer;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<AdsStream> streams = new ArrayList<>();
  private final ConcurrentHashMap<Object, Object> interned = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<List<String>, byte[]> encoded = new ConcurrentHashMap<>();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder responses = new LongAdder();
  private final AtomicInteger complete = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicReference<String> firstFailure = new AtomicReference<>();
  private volatile long lastReceiveNanos = System.nanoTime();

  /**
   * @param rtdsLayer an RTDS layer name every stream also subscribes to, as a bootstrap with a
   *     {@code layered_runtime} RTDS layer makes Envoy do; empty for none
   */
  public LoadClient(String host, int port, int streamsPerChannel, MarkerBoard board, String rtdsLayer) {
    this.host = host;
    this.port = port;
    this.streamsPerChannel = streamsPerChannel;
    this.board = board;
    this.rtdsLayer = rtdsLayer;
  }

  /**
   * The HTTP/2 flow-control windows Envoy gives its gRPC connection to an xDS server when the bootstrap
   * sets none (the shipped ones do not): {@code initial_stream_window_size} and
   * {@code initial_connection_window_size} default to 256 MiB (api/envoy/config/core/v3/protocol.proto,
   * Http2ProtocolOptions). grpc-java's own default, 1 MiB with auto-tuning, made a server wait for a
   * WINDOW_UPDATE every few hundred KB of a stream's first responses, which Envoy never asks of it.
   */
  static final int ENVOY_WINDOW = 256 * 1024 * 1024;

  private static MethodDescriptor<byte[], byte[]> method(String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName("envoy.service.discovery.v3.AggregatedDiscoveryService/" + name)
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW)
        .build();
  }

  /** Opens {@code count} more streams at once, node ids {@code idPrefix-<n>}. */
  public synchronized void open(int count, Mode mode, String idPrefix) {
    for (int i = 0; i < count; i++) {
      int n = streams.size();
      while (channels.size() <= n / streamsPerChannel) {
        channels.add(NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
            .flowControlWindow(ENVOY_WINDOW).maxInboundMessageSize(Integer.MAX_VALUE).build());
      }
      ManagedChannel channel = channels.get(n / streamsPerChannel);
      AdsStream stream = mode == Mode.SOTW ? new SotwStream(this, idPrefix + "-" + n)
          : new DeltaStream(this, idPrefix + "-" + n);
      ClientCalls.asyncBidiStreamingCall(channel.newCall(mode == Mode.SOTW ? SOTW : DELTA, CallOptions.DEFAULT),
          stream);
      streams.add(stream);
      stream.start();
    }
  }

  /** Waits until every open stream has every resource it subscribed to; false on timeout or failure. */
  public boolean awaitComplete(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (complete.get() < streamCount()) {
      if (System.nanoTime() > deadline || failed.get() > 0) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** Waits until no response has arrived for {@code quiet}, at most {@code max}. */
  public void awaitQuiet(Duration quiet, Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (System.nanoTime() - lastReceiveNanos < quiet.toNanos() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Cancels every stream, keeping the channels. */
  public synchronized void closeStreams() {
    streams.forEach(AdsStream::cancel);
    streams.clear();
    complete.set(0);
    failed.set(0);
    firstFailure.set(null);
  }

  public synchronized int streamCount() {
    return streams.size();
  }

  public int completeCount() {
    return complete.get();
  }

  public int failedCount() {
    return failed.get();
  }

  /** The first failure's message, or empty. */
  public String firstFailure() {
    String failure = firstFailure.get();
    return failure == null ? "" : failure;
  }

  public long bytes() {
    return bytes.sum();
  }

  public long responses() {
    return responses.sum();
  }

  public MarkerBoard board() {
    return board;
  }

  String rtdsLayer() {
    return rtdsLayer;
  }

  /** One shared copy of equal subscription lists and maps: a thousand streams hold one list, not a thousand. */
  @SuppressWarnings("unchecked")
  <T> T intern(T value) {
    return (T) interned.computeIfAbsent(value, v -> v);
  }

  /**
   * The encoded {@code resource_names} of a list of names, encoded once for all streams. Envoy builds
   * its requests on its own machine; here they share the server's 2 cores, and encoding 1,000 names for
   * every ACK of every stream would be the load generator's cost counted against the server.
   */
  byte[] encodedNames(List<String> names) {
    return encoded.computeIfAbsent(names,
        list -> DiscoveryRequest.newBuilder().addAllResourceNames(list).build().toByteArray());
  }

  void received(int size, long nowNanos) {
    bytes.add(size);
    responses.increment();
    lastReceiveNanos = nowNanos;
  }

  void streamComplete() {
    complete.incrementAndGet();
  }

  void streamFailed(Throwable t) {
    failed.incrementAndGet();
    firstFailure.compareAndSet(null, String.valueOf(t.getMessage()));
  }

  @Override
  public synchronized void close() throws InterruptedException {
    closeStreams();
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    for (ManagedChannel channel : channels) {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
    channels.clear();
    interned.clear();
    encoded.clear();
  }
}
