package io.shadowmirroring.xds;

import io.shadowmirroring.xds.model.Exposure;
import java.time.Duration;
import java.util.Optional;

/**
 * How the server listens and paces itself. Ports of 0 pick a free port (tests).
 *
 * @param ackWait how long a make-before-break step waits for proxies to answer before going on
 * @param tls TLS (and mTLS) for the xDS and admin ports, plain text when empty
 * @param tlsRefresh how often the TLS files are checked for changes
 * @param automation the verdict loop behind auto-promote / auto-abort, and its Lease
 * @param webhook the validating admission webhook's HTTPS port, off when empty
 * @param exposure which Services get routes ({@code --expose})
 * @param limits what one client may ask of the xDS and admin ports
 * @param shutdown how the server stops on SIGTERM
 * @param maxProfiles how many proxy profiles may exist at once; a stream asking for another is refused
 *     ({@code --max-profiles})
 */
public record ServerSettings(
    String xdsAddress,
    int xdsPort,
    String metricsAddress,
    int metricsPort,
    int listenerPort,
    Duration debounce,
    Duration maxDebounce,
    Duration ackWait,
    AdminSettings admin,
    Optional<ServerTls.Files> tls,
    Duration tlsRefresh,
    AutomationSettings automation,
    Optional<WebhookSettings> webhook,
    Exposure exposure,
    GrpcServerLimits limits,
    ShutdownSettings shutdown,
    int maxProfiles) {

  /** With the default gRPC limits and shutdown. */
  public ServerSettings(String xdsAddress, int xdsPort, String metricsAddress, int metricsPort, int listenerPort,
      Duration debounce, Duration maxDebounce, Duration ackWait, AdminSettings admin,
      Optional<ServerTls.Files> tls, Duration tlsRefresh, AutomationSettings automation,
      Optional<WebhookSettings> webhook, Exposure exposure) {
    this(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce, ackWait, admin, tls,
        tlsRefresh, automation, webhook, exposure, GrpcServerLimits.DEFAULTS, ShutdownSettings.DEFAULTS,
        io.shadowmirroring.xds.xds.SnapshotPublisher.DEFAULT_MAX_PROFILES);
  }

  /** With the default automation settings, without the admission webhook, exposing every Service. */
  public ServerSettings(String xdsAddress, int xdsPort, String metricsAddress, int metricsPort, int listenerPort,
      Duration debounce, Duration maxDebounce, Duration ackWait, AdminSettings admin,
      Optional<ServerTls.Files> tls, Duration tlsRefresh) {
    this(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce, ackWait, admin, tls,
        tlsRefresh, AutomationSettings.defaults(), Optional.empty(), Exposure.ALL);
  }

  /** Without the admin API and TLS. */
  public ServerSettings(String xdsAddress, int xdsPort, String metricsAddress, int metricsPort, int listenerPort,
      Duration debounce, Duration maxDebounce, Duration ackWait) {
    this(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce, ackWait,
        AdminSettings.disabled(), Optional.empty(), Duration.ofSeconds(10));
  }

  public static ServerSettings loopbackForTests() {
    return new ServerSettings("127.0.0.1", 0, "127.0.0.1", 0, 10000,
        Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(2),
        AdminSettings.loopback(0), Optional.empty(), Duration.ofMillis(100), AutomationSettings.forTests(),
        Optional.empty(), Exposure.ALL);
  }

  public ServerSettings withAdmin(AdminSettings newAdmin) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, newAdmin, tls, tlsRefresh, automation, webhook, exposure, limits, shutdown, maxProfiles);
  }

  public ServerSettings withTls(ServerTls.Files files) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, Optional.of(files), tlsRefresh, automation, webhook, exposure, limits, shutdown, maxProfiles);
  }

  public ServerSettings withAutomation(AutomationSettings newAutomation) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, newAutomation, webhook, exposure, limits, shutdown, maxProfiles);
  }

  public ServerSettings withWebhook(WebhookSettings settings) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, Optional.of(settings), exposure, limits, shutdown, maxProfiles);
  }

  public ServerSettings withExposure(Exposure value) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, value, limits, shutdown, maxProfiles);
  }

  public ServerSettings withLimits(GrpcServerLimits value) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, exposure, value, shutdown, maxProfiles);
  }

  public ServerSettings withShutdown(ShutdownSettings value) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, exposure, limits, value, maxProfiles);
  }

  public ServerSettings withMaxProfiles(int value) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, exposure, limits, shutdown, value);
  }

  public ServerSettings withXdsPort(int port) {
    return new ServerSettings(xdsAddress, port, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, exposure);
  }
}
