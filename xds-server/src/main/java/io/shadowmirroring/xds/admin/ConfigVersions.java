package io.shadowmirroring.xds.admin;

import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.xds.ContentVersion;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import java.util.function.Supplier;

/**
 * "The config version" of the admin API: the route configuration version served to Envoy nodes of
 * the default profile. Versions are content hashes, so the version a change will be served in can be
 * computed before it is served.
 */
public final class ConfigVersions {
  private final SnapshotPublisher publisher;
  private final ProxyProfile profile;
  private final Supplier<MeshModelBuilder> builders;

  /**
   * @param builders copies of the live model builder, so predictions fall back to last valid specs
   *     exactly as the real build will
   */
  public ConfigVersions(SnapshotPublisher publisher, ProxyProfile profile, Supplier<MeshModelBuilder> builders) {
    this.publisher = publisher;
    this.profile = profile;
    this.builders = builders;
  }

  /** The version served now, empty before the first publish. */
  public String current() {
    return publisher.snapshot(profile).map(s -> s.routes().version()).orElse("");
  }

  /** The version the given inventory will be served in. */
  public String predict(Inventory inventory) {
    var model = builders.get().build(inventory).model();
    return ContentVersion.of(new MeshTranslator().translate(model, profile).routes());
  }
}
