package io.shadowmirroring.xds;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.shadowmirroring.xds.analysis.ShadowAnalysis;
import io.shadowmirroring.xds.xds.ResponseBudget;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What one client may ask of the xDS and admin gRPC ports, so that a hostile or broken client costs a
 * stream or a connection, never the server.
 *
 * @param maxMessageBytes largest inbound message on the xDS port; Envoy puts a whole stats flush in one
 *     StreamMetrics message, so it is {@link ShadowAnalysis#MAX_MESSAGE_BYTES} by default, not gRPC's 4 MiB
 * @param maxStreamsPerConnection HTTP/2 {@code MAX_CONCURRENT_STREAMS} announced on both ports
 * @param keepaliveMinInterval the shortest time between client PINGs that is not abuse; pings without
 *     calls are allowed too, since Envoy pings every connection it keeps
 * @param maxConnectionAge after it (with gRPC's ±10 % jitter) the xDS port sends GOAWAY, so that clients
 *     move to other replicas after a rollout; {@link Duration#ZERO} turns it off
 * @param maxConnectionAgeGrace how long calls may go on after that GOAWAY before the connection is closed
 * @param responseBudgetBytes the most xDS response bytes in flight across all streams ({@link ResponseBudget}),
 *     so that many proxies connecting at once cost time, not the server's direct memory
 */
public record GrpcServerLimits(int maxMessageBytes, int maxStreamsPerConnection, Duration keepaliveMinInterval,
    Duration maxConnectionAge, Duration maxConnectionAgeGrace, long responseBudgetBytes) {

  /** With the default response budget ({@link ResponseBudget#defaultLimit()}). */
  public GrpcServerLimits(int maxMessageBytes, int maxStreamsPerConnection, Duration keepaliveMinInterval,
      Duration maxConnectionAge, Duration maxConnectionAgeGrace) {
    this(maxMessageBytes, maxStreamsPerConnection, keepaliveMinInterval, maxConnectionAge, maxConnectionAgeGrace,
        ResponseBudget.defaultLimit());
  }

  /**
   * Admin requests are small (a mirror, a node id); gRPC's own default is far above any of them. The
   * answers (config dumps) are outbound and not bound by it.
   */
  public static final int ADMIN_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /**
   * The shipped defaults. Keepalive: every shipped Envoy bootstrap pings {@code xds_cluster} every 30 s
   * ({@code connection_keepalive.interval}; Envoy adds its jitter on top, never below:
   * envoyproxy/envoy api/envoy/config/core/v3/protocol.proto, KeepaliveSettings.interval_jitter), and
   * gRPC's server default of 5 min would answer such pings with GOAWAY {@code too_many_pings} on an idle
   * stream. 10 s leaves room for bootstraps that ping more often than ours.
   */
  public static final GrpcServerLimits DEFAULTS = new GrpcServerLimits(ShadowAnalysis.MAX_MESSAGE_BYTES, 100,
      Duration.ofSeconds(10), Duration.ofMinutes(30), Duration.ofSeconds(30));

  public GrpcServerLimits {
    if (maxMessageBytes < 1) {
      throw new IllegalArgumentException("the largest message must be at least 1 byte, not " + maxMessageBytes);
    }
    if (maxStreamsPerConnection < 1) {
      throw new IllegalArgumentException("streams per connection must be at least 1, not " + maxStreamsPerConnection);
    }
    if (keepaliveMinInterval.isNegative() || maxConnectionAge.isNegative() || maxConnectionAgeGrace.isNegative()) {
      throw new IllegalArgumentException("keepalive and connection-age durations must not be negative");
    }
    if (responseBudgetBytes < 1) {
      throw new IllegalArgumentException("the response budget must be at least 1 byte, not " + responseBudgetBytes);
    }
  }

  /** The xDS port: every limit, connection age included. */
  public NettyServerBuilder applyToXds(NettyServerBuilder builder) {
    applyCommon(builder).maxInboundMessageSize(maxMessageBytes);
    if (!maxConnectionAge.isZero()) {
      builder.maxConnectionAge(maxConnectionAge.toNanos(), TimeUnit.NANOSECONDS)
          .maxConnectionAgeGrace(maxConnectionAgeGrace.toNanos(), TimeUnit.NANOSECONDS);
    }
    return builder;
  }

  /**
   * The admin port: the same stream and keepalive limits, small messages, and no connection age, which
   * would cut a {@code shadowctl watch} or a change waiting to be served for no gain (the admin API keeps
   * no per-replica state a client must be moved off).
   */
  public NettyServerBuilder applyToAdmin(NettyServerBuilder builder) {
    return applyCommon(builder).maxInboundMessageSize(Math.min(maxMessageBytes, ADMIN_MAX_MESSAGE_BYTES));
  }

  private NettyServerBuilder applyCommon(NettyServerBuilder builder) {
    return builder.intercept(new CancelledCallGuard())
        .maxConcurrentCallsPerConnection(maxStreamsPerConnection)
        .permitKeepAliveTime(keepaliveMinInterval.toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveWithoutCalls(true);
  }
}
