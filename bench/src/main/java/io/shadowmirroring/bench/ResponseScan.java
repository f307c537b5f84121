package io.shadowmirroring.bench;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads what an Envoy-like client needs from the raw bytes of a response, and nothing else: the
 * top-level fields, the names of the resources, a Cluster's EDS name and a Listener's RDS names, by
 * walking the wire format (no message is parsed into objects). Field numbers come from the generated
 * classes, so they cannot drift from the protos.
 */
public final class ResponseScan {
  private static final byte[] MARKER = MeshFixture.MARKER_PREFIX.getBytes(StandardCharsets.US_ASCII);
  private static final int[] ROUTE_NAME_PATH = {
      Listener.FILTER_CHAINS_FIELD_NUMBER, FilterChain.FILTERS_FIELD_NUMBER, Filter.TYPED_CONFIG_FIELD_NUMBER,
      Any.VALUE_FIELD_NUMBER, HttpConnectionManager.RDS_FIELD_NUMBER, Rds.ROUTE_CONFIG_NAME_FIELD_NUMBER};
  private static final int[] EDS_NAME_PATH = {
      Cluster.EDS_CLUSTER_CONFIG_FIELD_NUMBER, Cluster.EdsClusterConfig.SERVICE_NAME_FIELD_NUMBER};

  private ResponseScan() {}

  /** A SotW response's top-level fields; resources are the {@code Any} values (the resources' own bytes). */
  public record Sotw(String version, String nonce, String typeUrl, List<ByteString> resources) {}

  /** A Delta response's top-level fields; each resource's name and its {@code Any} value (empty when absent). */
  public record Delta(String nonce, String typeUrl, List<String> names, List<ByteString> resources,
      List<String> removed) {}

  public static Sotw sotw(byte[] bytes) {
    String version = "";
    String nonce = "";
    String typeUrl = "";
    List<ByteString> resources = new ArrayList<>();
    try {
      CodedInputStream in = input(bytes);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case DiscoveryResponse.VERSION_INFO_FIELD_NUMBER -> version = in.readStringRequireUtf8();
          case DiscoveryResponse.NONCE_FIELD_NUMBER -> nonce = in.readStringRequireUtf8();
          case DiscoveryResponse.TYPE_URL_FIELD_NUMBER -> typeUrl = in.readStringRequireUtf8();
          case DiscoveryResponse.RESOURCES_FIELD_NUMBER -> resources.add(anyValue(in.readBytes()));
          default -> in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Sotw(version, nonce, typeUrl, resources);
  }

  public static Delta delta(byte[] bytes) {
    String nonce = "";
    String typeUrl = "";
    List<String> names = new ArrayList<>();
    List<ByteString> resources = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    try {
      CodedInputStream in = input(bytes);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case DeltaDiscoveryResponse.NONCE_FIELD_NUMBER -> nonce = in.readStringRequireUtf8();
          case DeltaDiscoveryResponse.TYPE_URL_FIELD_NUMBER -> typeUrl = in.readStringRequireUtf8();
          case DeltaDiscoveryResponse.REMOVED_RESOURCES_FIELD_NUMBER -> removed.add(in.readStringRequireUtf8());
          case DeltaDiscoveryResponse.RESOURCES_FIELD_NUMBER -> {
            ByteString resource = in.readBytes();
            names.add(firstString(resource, Resource.NAME_FIELD_NUMBER));
            ByteString any = firstBytes(resource, Resource.RESOURCE_FIELD_NUMBER);
            resources.add(any.isEmpty() ? any : anyValue(any));
          }
          default -> in.skipField(tag);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Delta(nonce, typeUrl, names, resources, removed);
  }

  /** The name a resource is known by: field 1 of Cluster, ClusterLoadAssignment, Listener, RouteConfiguration. */
  public static String name(ByteString resource) {
    return firstString(resource, 1);
  }

  /** The name an Envoy subscribes to over EDS for this Cluster: its {@code service_name}, else its name. */
  public static String edsName(ByteString cluster) {
    List<String> found = new ArrayList<>();
    strings(cluster, EDS_NAME_PATH, 0, found::add);
    return found.isEmpty() || found.get(0).isEmpty() ? name(cluster) : found.get(0);
  }

  /** The RDS route configuration names a Listener's connection managers ask for. */
  public static List<String> routeNames(ByteString listener) {
    List<String> found = new ArrayList<>();
    strings(listener, ROUTE_NAME_PATH, 0, found::add);
    return found;
  }

  /** The highest marker number ({@link MeshFixture#markerAddress}) anywhere in the bytes; 0 for none. */
  public static int latestMarker(byte[] bytes) {
    int latest = 0;
    int last = bytes.length - MARKER.length;
    outer:
    for (int i = 0; i <= last; i++) {
      if (bytes[i] != '1') {
        continue;
      }
      for (int j = 1; j < MARKER.length; j++) {
        if (bytes[i + j] != MARKER[j]) {
          continue outer;
        }
      }
      int at = i + MARKER.length;
      int high = 0;
      while (at < bytes.length && bytes[at] >= '0' && bytes[at] <= '9') {
        high = high * 10 + (bytes[at++] - '0');
      }
      if (at >= bytes.length || bytes[at++] != '.') {
        continue;
      }
      int low = 0;
      while (at < bytes.length && bytes[at] >= '0' && bytes[at] <= '9') {
        low = low * 10 + (bytes[at++] - '0');
      }
      latest = Math.max(latest, high * 256 + low);
    }
    return latest;
  }

  /** True when any of the patterns occurs in the bytes. */
  public static boolean containsAny(byte[] bytes, List<byte[]> patterns) {
    for (byte[] pattern : patterns) {
      if (indexOf(bytes, pattern) >= 0) {
        return true;
      }
    }
    return false;
  }

  static int indexOf(byte[] bytes, byte[] pattern) {
    int last = bytes.length - pattern.length;
    outer:
    for (int i = 0; i <= last; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (bytes[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static CodedInputStream input(byte[] bytes) {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    in.enableAliasing(true);
    in.setSizeLimit(Integer.MAX_VALUE);
    return in;
  }

  private static CodedInputStream input(ByteString bytes) {
    CodedInputStream in = bytes.newCodedInput();
    in.enableAliasing(true);
    in.setSizeLimit(Integer.MAX_VALUE);
    return in;
  }

  private static ByteString anyValue(ByteString any) {
    return firstBytes(any, Any.VALUE_FIELD_NUMBER);
  }

  private static ByteString firstBytes(ByteString message, int field) {
    try {
      CodedInputStream in = input(message);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (WireFormat.getTagFieldNumber(tag) == field
            && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          return in.readBytes();
        }
        in.skipField(tag);
      }
      return ByteString.EMPTY;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String firstString(ByteString message, int field) {
    return firstBytes(message, field).toStringUtf8();
  }

  // Every string at the end of a path of length-delimited fields (repeated ones included).
  private static void strings(ByteString message, int[] path, int depth, Consumer<String> out) {
    try {
      CodedInputStream in = input(message);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (WireFormat.getTagFieldNumber(tag) != path[depth]
            || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
          in.skipField(tag);
        } else if (depth == path.length - 1) {
          out.accept(in.readStringRequireUtf8());
        } else {
          strings(in.readBytes(), path, depth + 1, out);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
