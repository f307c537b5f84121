package io.shadowmirroring.xds;

import java.time.Duration;

/**
 * How the server listens and paces itself. Ports of 0 pick a free port (tests).
 *
 * @param ackWait how long a make-before-break step waits for proxies to answer before going on
 */
public record ServerSettings(
    String xdsAddress,
    int xdsPort,
    String metricsAddress,
    int metricsPort,
    int listenerPort,
    Duration debounce,
    Duration maxDebounce,
    Duration ackWait) {

  public static ServerSettings loopbackForTests() {
    return new ServerSettings("127.0.0.1", 0, "127.0.0.1", 0, 10000,
        Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(2));
  }

  public ServerSettings withListenerPort(int port) {
    return new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, port, debounce, maxDebounce, ackWait);
  }
}
