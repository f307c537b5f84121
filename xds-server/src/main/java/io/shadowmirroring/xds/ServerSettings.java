package io.shadowmirroring.xds;

import io.shadowmirroring.xds.model.Exposure;
import java.time.Duration;
import java.util.Optional;

/**
 * How the server listens and paces itself. Ports of 0 pick a free port (tests).
 *
 * @param ackWait after how long a proxy still at a make-before-break step is logged and counted as held
 *     back ({@code --ack-timeout}); it keeps its old routes until it ACKs, whatever this says
 * @param tls TLS (and mTLS) for the xDS and admin ports, plain text when empty
 * @param tlsRefresh how often the TLS files are checked for changes
 * @param automation the verdict loop behind auto-promote / auto-abort, and its Lease
 * @param webhook the validating admission webhook's HTTPS port, off when empty
 * @param exposure which Services get routes ({@code --expose})
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
    int maxProfiles) {

  /** With the default bound on proxy profiles. */
  public ServerSettings(String xdsAddress, int xdsPort, String metricsAddress, int metricsPort, int listenerPort,
      Duration debounce, Duration maxDebounce, Duration ackWait, AdminSettings admin,
      Optional<ServerTls.Files> tls, Duration tlsRefresh, AutomationSettings automation,
      Optional<WebhookSettings> webhook, Exposure exposure) {
    this(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce, ackWait, admin, tls,
        tlsRefresh, automation, webhook, exposure, io.shadowmirroring.xds.xds.SnapshotPublisher.DEFAULT_MAX_PROFILES);
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
        ackWait, newAdmin, tls, tlsRefresh, automation, webhook, exposure, maxProfiles);
  }

  public ServerSettings withTls(ServerTls.Files files) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, Optional.of(files), tlsRefresh, automation, webhook, exposure, maxProfiles);
  }

  public ServerSettings withAutomation(AutomationSettings newAutomation) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, newAutomation, webhook, exposure, maxProfiles);
  }

  public ServerSettings withWebhook(WebhookSettings settings) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, Optional.of(settings), exposure, maxProfiles);
  }

  public ServerSettings withExposure(Exposure value) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, value, maxProfiles);
  }

  public ServerSettings withMaxProfiles(int value) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, exposure, value);
  }

  public ServerSettings withXdsPort(int port) {
    return new ServerSettings(xdsAddress, port, metricsAddress, metricsPort, listenerPort, debounce, maxDebounce,
        ackWait, admin, tls, tlsRefresh, automation, webhook, exposure);
  }
}
