package io.shadowmirroring.xds.admin;

import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.shadowmirroring.xds.xds.ContentVersion;
import io.shadowmirroring.xds.xds.ProxyRegistry;
import io.shadowmirroring.xds.xds.ProxyStream;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import io.shadowmirroring.xds.xds.XdsTypes;
import java.util.List;
import java.util.function.Supplier;

/**
 * "The config version" of the admin API: the route configuration version served to Envoy nodes of
 * the default profile. Versions are content hashes, so the version a change will be served in can be
 * computed before it is served.
 */
public final class ConfigVersions {
  private final SnapshotPublisher publisher;
  private final ProxyRegistry proxies;
  private final ProxyProfile profile;
  private final Supplier<MeshModelBuilder> builders;

  /**
   * @param builders the live model builder (a supplier, so tests can observe when a prediction runs)
   */
  public ConfigVersions(SnapshotPublisher publisher, ProxyRegistry proxies, ProxyProfile profile,
      Supplier<MeshModelBuilder> builders) {
    this.publisher = publisher;
    this.proxies = proxies;
    this.profile = profile;
    this.builders = builders;
  }

  /** The version served now, empty before the first publish. */
  public String current() {
    return publisher.target(profile).map(t -> t.version(XdsTypes.ROUTE)).orElse("");
  }

  /** The profile whose route version is "the config version". */
  public ProxyProfile profile() {
    return profile;
  }

  /**
   * The connected proxies of the profile that have not ACKed the route configuration served now,
   * by node id, sorted; empty when every one has (or none is connected).
   */
  public List<String> proxiesNotAcked() {
    String served = current();
    return proxies.streamsOf(profile).stream()
        .filter(s -> !ackedRoutes(s).equals(served))
        .map(s -> s.node().map(Node::getId).orElse("?"))
        .sorted()
        .toList();
  }

  /** How many proxies of the profile are connected. */
  public int connectedProxies() {
    return proxies.streamsOf(profile).size();
  }

  private static String ackedRoutes(ProxyStream stream) {
    ProxyStream.TypeState routes = stream.types().get(Resources.V3.ROUTE_TYPE_URL);
    return routes == null ? "" : routes.ackedVersion();
  }

  /** The version the given inventory will be served in. */
  public String predict(Inventory inventory) {
    var model = builders.get().build(inventory).model();
    return ContentVersion.of(new MeshTranslator().translate(model, profile).routes());
  }
}
