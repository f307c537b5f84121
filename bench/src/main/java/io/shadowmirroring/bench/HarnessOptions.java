package io.shadowmirroring.bench;

import java.nio.file.Path;
import java.util.Set;

/**
 * The sizes of one harness run. The defaults are issue 8's target table; {@link #quick} is a small run
 * for development (under a minute).
 */
public record HarnessOptions(
    int services,
    int mirrored,
    int streams,
    int deltaStreams,
    int streamsPerChannel,
    int churnStreams,
    int churnRate,
    int churnSeconds,
    int memoryServices,
    int memoryStreams,
    int translationServices,
    /** A storm with no response and no stream completed for this long is decided: it will not finish. */
    int stallSeconds,
    Set<Integer> scenarios,
    Set<ServerKind> servers,
    /** The scenarios whose server side is profiled with JFR. */
    Set<Integer> jfr,
    String rtdsLayer,
    Path serverJar,
    /** Extra flags for the xds-server (not the baseline), e.g. to measure a flag's other values. */
    java.util.List<String> serverArgs,
    Path work,
    Path output) {

  public static final Set<Integer> ALL_SCENARIOS = Set.of(1, 2, 3, 4, 5, 6, 7, 8);

  /** Development sizes: everything runs, on a few streams and Services. */
  public HarnessOptions quick() {
    return new HarnessOptions(100, 50, 50, 50, streamsPerChannel, 20, 20, 5, 500, 50, 500, stallSeconds, scenarios, servers, jfr,
        rtdsLayer, serverJar, serverArgs, work, output);
  }

  /** Scenarios 1, 2, 4 and 5 share one set of SotW streams; 3 and 8 open their own on the same server. */
  boolean mainRun() {
    return scenarios.stream().anyMatch(s -> s != 6 && s != 7);
  }
}
