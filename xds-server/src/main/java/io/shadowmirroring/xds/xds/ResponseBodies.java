package io.shadowmirroring.xds.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Response bodies (everything but the nonce), built once per (type, version, resources) and shared by
 * every stream that is sent the same response: sending one route table to a thousand proxies serializes
 * it once, and so does sending one changed assignment to a thousand delta proxies. A few recent bodies
 * are kept, bounded in number.
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
        + (whole ? "*" : ContentVersion.ofStrings(resources.stream().map(r -> r.name() + '=' + r.hash()).toList()));
    synchronized (bodies) {
      byte[] body = bodies.get(key);
      if (body != null) {
        return body;
      }
    }
    DiscoveryResponse.Builder response = DiscoveryResponse.newBuilder().setVersionInfo(version).setTypeUrl(typeUrl);
    resources.forEach(r -> response.addResources(r.any()));
    return keep(key, response.build().toByteArray());
  }

  /**
   * A delta response's body: these resources (new or changed) and these names removed. Streams of one
   * profile mostly get the very same delta of a change; each built its own before, about a third of a
   * change's fan-out to 1,000 delta streams (bench scenario 3).
   */
  byte[] delta(String typeUrl, String systemVersion, List<PreparedResource> changed, List<String> removed) {
    List<String> parts = new ArrayList<>(changed.size() + removed.size() + 1);
    changed.forEach(r -> parts.add(r.name() + '=' + r.hash()));
    parts.add("");
    parts.addAll(removed);
    String key = "delta\n" + typeUrl + '\n' + systemVersion + '\n' + ContentVersion.ofStrings(parts);
    synchronized (bodies) {
      byte[] body = bodies.get(key);
      if (body != null) {
        return body;
      }
    }
    DeltaDiscoveryResponse.Builder response = DeltaDiscoveryResponse.newBuilder()
        .setSystemVersionInfo(systemVersion).setTypeUrl(typeUrl).addAllRemovedResources(removed);
    for (PreparedResource resource : changed) {
      response.addResources(Resource.newBuilder().setName(resource.name()).setVersion(resource.hash())
          .setResource(resource.any()));
    }
    return keep(key, response.build().toByteArray());
  }

  private byte[] keep(String key, byte[] body) {
    synchronized (bodies) {
      bodies.put(key, body);
    }
    return body;
  }
}
