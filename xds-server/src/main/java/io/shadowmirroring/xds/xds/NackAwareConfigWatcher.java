package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Fills in what a request alone does not say, from the stream it came on, before the cache sees it.
 *
 * <ul>
 *   <li>The node: with {@code set_node_on_first_message_only} (envoyproxy/envoy
 *       api/envoy/config/core/v3/config_source.proto, ApiConfigSource) Envoy sends it only in a
 *       stream's first request, and the cache picks the snapshot group from each request's node, so
 *       later requests would fall into the default profile.
 *   <li>The NACK loop of plain java-control-plane: a NACK carries the last version the client
 *       accepted, which differs from the cache's, so the cache would resend the rejected version at
 *       once, forever. Here a NACK opens a watch as if the client held the rejected version: it gets an
 *       answer only when the config changes.
 * </ul>
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
    Optional<ProxyStream> stream = registry.takeRequestStream();
    DiscoveryRequest original = request.v3Request();
    DiscoveryRequest.Builder changed = original.toBuilder();
    Optional<Node> node = streamNode(original.hasNode(), stream);
    node.ifPresent(changed::setNode);
    Optional<String> rejected = stream.flatMap(s -> s.takeRejected(original.getTypeUrl()));
    rejected.ifPresent(changed::setVersionInfo);
    XdsRequest effective = node.isPresent() || rejected.isPresent() ? XdsRequest.create(changed.build()) : request;
    // Known names as requested: otherwise the cache treats the NACKed names as new and answers at once.
    Set<String> known = request.hasErrorDetail() ? Set.copyOf(request.getResourceNamesList()) : knownResourceNames;
    return cache.createWatch(ads, effective, known, responseConsumer, hasClusterChanged, allowDefaultEmptyEdsUpdate);
  }

  @Override
  public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
      Map<String, String> resourceVersions, Set<String> pendingResources, boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer, boolean hasClusterChanged) {
    Optional<ProxyStream> stream = registry.takeRequestStream();
    DeltaXdsRequest effective = streamNode(request.v3Request().hasNode(), stream)
        .map(node -> DeltaXdsRequest.create(request.v3Request().toBuilder().setNode(node).build()))
        .orElse(request);
    // After a delta NACK the rejected resources are still "pending"; answering them now would loop.
    Set<String> pending = request.hasErrorDetail() ? Set.of() : pendingResources;
    return cache.createDeltaWatch(effective, requesterVersion, resourceVersions, pending, isWildcard,
        responseConsumer, hasClusterChanged);
  }

  // The stream's node, for a request that came without one.
  private static Optional<Node> streamNode(boolean requestHasNode, Optional<ProxyStream> stream) {
    return requestHasNode ? Optional.empty() : stream.flatMap(ProxyStream::node);
  }
}
