package io.shadowmirroring.xds.testing;

import io.shadowmirroring.xds.ShadowMirroringServer;

/**
 * The admin API answers only once the first model is built (before that, UNAVAILABLE "not ready"), and
 * the first build runs on the reconciler's thread after start() returns; tests that read at once wait here.
 */
public final class FirstBuild {
  private FirstBuild() {}

  public static void await(ShadowMirroringServer server) {
    for (int i = 0; i < 1000 && server.reconciler().lastBuild() == null; i++) {
      AdsTestClient.sleep(10);
    }
    if (server.reconciler().lastBuild() == null) {
      throw new AssertionError("no model was built within 10 s of the server's start");
    }
  }
}
