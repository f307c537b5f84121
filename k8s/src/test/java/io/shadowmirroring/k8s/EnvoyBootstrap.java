package io.shadowmirroring.k8s;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.Message;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.metrics.v3.MetricsServiceConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Envoy bootstraps parsed the way Envoy reads them: YAML turned into proto3 JSON and parsed into
 * {@link Bootstrap} without ignoring unknown fields, so a misspelt field fails here as it would
 * fail Envoy's start.
 */
final class EnvoyBootstrap {

  /** Every type a bootstrap here packs into an Any; an unlisted one fails the parse. */
  private static final JsonFormat.TypeRegistry ANY_TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpProtocolOptions.getDescriptor())
      .add(MetricsServiceConfig.getDescriptor())
      .build();

  private static final Set<String> CLUSTER_REFERENCE_FIELDS = Set.of("cluster_name", "cluster_names");

  private EnvoyBootstrap() {
  }

  static Bootstrap parse(String yaml) throws InvalidProtocolBufferException {
    Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    String json = JsonFormat.printer().print(toValue(tree));
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(ANY_TYPES).merge(json, bootstrap);
    return bootstrap.build();
  }

  /** Names of the clusters the bootstrap defines itself. */
  static Set<String> staticClusters(Bootstrap bootstrap) {
    Set<String> names = new TreeSet<>();
    bootstrap.getStaticResources().getClustersList().forEach(c -> names.add(c.getName()));
    return names;
  }

  /**
   * Every cluster name the bootstrap refers to anywhere (ADS's envoy_grpc, load assignments, ...),
   * found by walking all fields rather than by listing the places one remembers.
   */
  static Set<String> referencedClusters(Message message) {
    Set<String> names = new TreeSet<>();
    collectReferences(message, names);
    return names;
  }

  static HttpProtocolOptions protocolOptions(Cluster cluster) throws InvalidProtocolBufferException {
    return cluster.getTypedExtensionProtocolOptionsOrThrow("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(HttpProtocolOptions.class);
  }

  private static void collectReferences(Message message, Set<String> names) {
    // A typed_config hides its fields in bytes (the stats sink's envoy_grpc, say): read them as its type.
    if (message instanceof Any any) {
      collectReferences(unpack(any), names);
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      Object value = field.getValue();
      if (CLUSTER_REFERENCE_FIELDS.contains(descriptor.getName())) {
        if (value instanceof List<?> list) {
          list.forEach(v -> names.add((String) v));
        } else {
          names.add((String) value);
        }
      } else if (descriptor.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (value instanceof List<?> list) {
          list.forEach(v -> collectReferences((Message) v, names));
        } else {
          collectReferences((Message) value, names);
        }
      }
    }
  }

  private static Message unpack(Any any) {
    Descriptor type = ANY_TYPES.find(any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1));
    if (type == null) {
      throw new IllegalArgumentException("no type registered for " + any.getTypeUrl());
    }
    try {
      return DynamicMessage.parseFrom(type, any.getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("unreadable " + any.getTypeUrl() + ": " + e.getMessage(), e);
    }
  }

  /** snakeyaml's maps, lists and scalars as a protobuf Value, which JsonFormat prints as JSON. */
  private static Value toValue(Object node) {
    if (node == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (node instanceof Map<?, ?> map) {
      Struct.Builder struct = Struct.newBuilder();
      map.forEach((k, v) -> struct.putFields(String.valueOf(k), toValue(v)));
      return Value.newBuilder().setStructValue(struct).build();
    }
    if (node instanceof List<?> list) {
      ListValue.Builder values = ListValue.newBuilder();
      list.forEach(v -> values.addValues(toValue(v)));
      return Value.newBuilder().setListValue(values).build();
    }
    if (node instanceof Boolean bool) {
      return Value.newBuilder().setBoolValue(bool).build();
    }
    if (node instanceof Number number) {
      return Value.newBuilder().setNumberValue(number.doubleValue()).build();
    }
    return Value.newBuilder().setStringValue(node.toString()).build();
  }
}
