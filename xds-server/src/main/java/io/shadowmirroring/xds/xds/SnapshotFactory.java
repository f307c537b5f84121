package io.shadowmirroring.xds.xds;

import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.List;

/** Turns resources into a java-control-plane snapshot with one content version per type. */
public final class SnapshotFactory {
  private SnapshotFactory() {}

  /**
   * @throws SnapshotConsistencyException when a cluster lacks its endpoints or a listener its routes;
   *     such a snapshot must never be published
   */
  public static Snapshot consistentSnapshot(XdsResources resources) throws SnapshotConsistencyException {
    Snapshot snapshot = Snapshot.create(
        resources.clusters(), ContentVersion.of(resources.clusters()),
        resources.endpoints(), ContentVersion.of(resources.endpoints()),
        resources.listeners(), ContentVersion.of(resources.listeners()),
        resources.routes(), ContentVersion.of(resources.routes()),
        List.of(), ContentVersion.of(List.of()));
    snapshot.ensureConsistent();
    return snapshot;
  }
}
