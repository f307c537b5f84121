package io.shadowmirroring.xds.translate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.metrics.v3.MetricsServiceConfig;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Represent;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Prints xDS resources the way Envoy's own config files write them: proto field names, {@code Any}
 * values expanded with their {@code @type}. Used for golden files, config dumps and static configs.
 *
 * <p>The output is stable: fields in field-number order, map keys sorted, default values left out.
 */
public final class XdsYaml {

  /** Every message type the translator packs into an {@code Any}, plus the resource types themselves. */
  public static final JsonFormat.TypeRegistry TYPE_REGISTRY = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpConnectionManager.getDescriptor())
      .add(Router.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .add(Cluster.getDescriptor())
      .add(ClusterLoadAssignment.getDescriptor())
      .add(Listener.getDescriptor())
      .add(RouteConfiguration.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog.getDescriptor())
      .add(MetricsServiceConfig.getDescriptor())
      .build();

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(TYPE_REGISTRY)
      .preservingProtoFieldNames()
      .sortingMapKeys();

  private XdsYaml() {}

  /** The message as protobuf JSON; fails on an {@code Any} whose type is not in {@link #TYPE_REGISTRY}. */
  public static String toJson(Message message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("cannot print " + message.getDescriptorForType().getFullName()
          + " as JSON: " + e.getMessage(), e);
    }
  }

  /** A YAML list of the messages, in the order given (an {@link XdsResources} list is sorted by name). */
  public static String toYaml(List<? extends Message> messages) {
    if (messages.isEmpty()) {
      return "[]\n";
    }
    Yaml loader = loader();
    Yaml dumper = dumper();
    StringBuilder yaml = new StringBuilder();
    for (Message message : messages) {
      // JSON is YAML: loading it keeps the printer's field order and turns it into plain maps and lists.
      // Each item is dumped on its own so that the list starts in column 0, as config files write it.
      String item = dumper.dump(loader.load(toJson(message)));
      String[] lines = item.split("\n", -1);
      for (int i = 0; i < lines.length - 1; i++) {
        yaml.append(i == 0 ? "- " : lines[i].isEmpty() ? "" : "  ").append(lines[i]).append('\n');
      }
    }
    return yaml.toString();
  }

  /** One message as a YAML document (a mapping), e.g. a whole Envoy bootstrap. */
  public static String toYamlDocument(Message message) {
    return dumper().dump(loader().load(toJson(message)));
  }

  private static Yaml loader() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(Integer.MAX_VALUE);
    return new Yaml(new SafeConstructor(options));
  }

  private static Yaml dumper() {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setSplitLines(false);
    options.setWidth(Integer.MAX_VALUE);
    options.setLineBreak(DumperOptions.LineBreak.UNIX);
    return new Yaml(new HeaderSafeRepresenter(options), options);
  }

  /** Quotes strings that start with ':', such as the pseudo-header {@code :method}, for every YAML reader. */
  private static final class HeaderSafeRepresenter extends Representer {
    HeaderSafeRepresenter(DumperOptions options) {
      super(options);
      Represent plain = representers.get(String.class);
      representers.put(String.class, data -> ((String) data).startsWith(":")
          ? representScalar(Tag.STR, (String) data, DumperOptions.ScalarStyle.SINGLE_QUOTED)
          : plain.representData(data));
    }
  }
}
