package io.shadowmirroring.xds.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.shadowmirroring.envoyconstraints.EnvoyConstraints;
import io.shadowmirroring.xds.ShadowMirroringServer;
import io.shadowmirroring.xds.translate.ProxyProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Checks every snapshot a running server publishes against Envoy's proto constraints. It runs on the
 * publisher's thread, so it records violations rather than throwing there; a test asserts at its end
 * with {@link #assertNoViolations()}.
 */
public final class SnapshotConstraints implements BiConsumer<ProxyProfile, Snapshot> {
  private final List<String> violations = new ArrayList<>();
  private final AtomicInteger snapshots = new AtomicInteger();

  /** Checks the server's current snapshots and every later one; one instance may watch several servers. */
  public SnapshotConstraints watch(ShadowMirroringServer server) {
    server.publisher().onSnapshot(this);
    return this;
  }

  @Override
  public void accept(ProxyProfile profile, Snapshot snapshot) {
    snapshots.incrementAndGet();
    for (Resources.ResourceType type : Resources.ResourceType.values()) {
      for (Map.Entry<String, ? extends Message> resource : snapshot.resources(type).entrySet()) {
        try {
          EnvoyConstraints.assertValid(resource.getValue());
        } catch (AssertionError violation) {
          synchronized (violations) {
            violations.add(profile + " " + type + " " + resource.getKey() + ": " + violation.getMessage());
          }
        }
      }
    }
  }

  /** How many snapshots were checked. */
  public int snapshots() {
    return snapshots.get();
  }

  public void assertNoViolations() {
    synchronized (violations) {
      assertThat(violations).as("snapshots that break Envoy's proto constraints (of %d checked)", snapshots())
          .isEmpty();
    }
  }
}
