package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Stops the NACK loop of plain java-control-plane. A NACK carries the last version the client
 * accepted, which differs from the cache's, so the cache would resend the rejected version at once,
 * forever. Here a NACK opens a watch as if the client held the rejected version: it gets an answer
 * only when the config changes.
 */
public final class NackAwareConfigWatcher implements ConfigWatcher {
  private final ConfigWatcher cache;
  private final ProxyRegistry registry;

  public NackAwareConfigWatcher(ConfigWatcher cache, ProxyRegistry registry) {
    this.cache = cache;
    this.registry = registry;
  }

  @Override
  public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
      Consumer<Response> responseConsumer, boolean hasClusterChanged, boolean allowDefaultEmptyEdsUpdate) {
    XdsRequest effective = registry.takeRejectedVersion(request.v3Request())
        .map(rejected -> XdsRequest.create(request.v3Request().toBuilder().setVersionInfo(rejected).build()))
        .orElse(request);
    // Known names as requested: otherwise the cache treats the NACKed names as new and answers at once.
    Set<String> known = request.hasErrorDetail() ? Set.copyOf(request.getResourceNamesList()) : knownResourceNames;
    return cache.createWatch(ads, effective, known, responseConsumer, hasClusterChanged, allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
      Map<String, String> resourceVersions, Set<String> pendingResources, boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer, boolean hasClusterChanged) {
    // After a delta NACK the rejected resources are still "pending"; answering them now would loop.
    Set<String> pending = request.hasErrorDetail() ? Set.of() : pendingResources;
    return cache.createDeltaWatch(request, requesterVersion, resourceVersions, pending, isWildcard,
        responseConsumer, hasClusterChanged);
  }
}
