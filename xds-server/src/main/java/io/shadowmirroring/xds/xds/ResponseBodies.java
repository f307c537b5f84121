package io.shadowmirroring.xds.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * State-of-the-world response bodies (everything but the nonce), built once per (type, version,
 * resources) and shared by every stream that is sent the same response: sending one route table to a
 * thousand proxies serializes it once. A few recent bodies are kept, bounded in number.
 */
final class ResponseBodies {
  private static final int KEPT = 32;

  private final Map<String, byte[]> bodies = new LinkedHashMap<>(KEPT, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
      return size() > KEPT;
    }
  };

  /**
   * @param whole true when {@code resources} are every resource the version covers; else they are the
   *     changed part only, and the key includes their hashes
   */
  byte[] sotw(String typeUrl, String version, List<PreparedResource> resources, boolean whole) {
    String key = typeUrl + '\n' + version + '\n'
        + (whole ? "*" : ContentVersion.ofHashes(resources.stream().map(r -> r.name() + '=' + r.hash()).toList()));
    synchronized (bodies) {
      byte[] body = bodies.get(key);
      if (body != null) {
        return body;
      }
    }
    DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder().setVersionInfo(version).setTypeUrl(typeUrl);
    resources.forEach(r -> response.addResources(r.any()));
    byte[] body = response.build().toByteArray();
    synchronized (bodies) {
      bodies.put(key, body);
    }
    return body;
  }
}
