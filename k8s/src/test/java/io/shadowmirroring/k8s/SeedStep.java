package io.shadowmirroring.k8s;

import java.util.Map;

/** The seed's four Helm steps, as the --set flags each one passes. */
enum SeedStep {
  INSTALL_PRODUCTION_ONLY(Map.of()),
  ENABLE_SHADOW(Map.of("shadow.enabled", "true")),
  ENABLE_MIRRORING(Map.of(
      "shadow.enabled", "true",
      "mirroring.enabled", "true",
      "mirroring.percentage", "100")),
  PROMOTE_SHADOW(Map.of(
      "production.enabled", "false",
      "shadow.enabled", "true",
      "mirroring.enabled", "false"));

  private final Map<String, String> sets;

  SeedStep(Map<String, String> sets) {
    this.sets = sets;
  }

  Map<String, String> helmSets() {
    return sets;
  }
}
