package io.shadowmirroring.xds.analysis;

import io.shadowmirroring.xds.model.ClusterRef;

/** Whose stats a family belongs to: production's mirrored route, or one mirror cluster. */
sealed interface StatScope {

  Role role();

  ClusterRef primary();

  /** Production on exactly the class of traffic that is mirrored: the mirrored route's stats. */
  record Production(ClusterRef primary) implements StatScope {
    @Override
    public Role role() {
      return Role.PRODUCTION;
    }
  }

  /** The copies of {@code primary}'s traffic sent to {@code target}: its dedicated mirror cluster's stats. */
  record Shadow(ClusterRef primary, ClusterRef target) implements StatScope {
    @Override
    public Role role() {
      return Role.SHADOW;
    }
  }

  enum Role {
    PRODUCTION, SHADOW;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
