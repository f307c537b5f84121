package io.shadowmirroring.xds.source;

import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceRef;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Rewrites the mirror annotations of one Service inside a (multi-document) YAML text, working on
 * SnakeYAML's node tree with comments kept, so that the other documents, the other keys and the
 * comments survive. Layout details such as quoting and indentation of edited documents may change.
 */
public final class YamlAnnotationEditor {

  /** Returns the new text, or empty when no document in it is that Service. */
  public Optional<String> replaceMirrorAnnotations(String text, ServiceRef service, Map<String, String> annotations) {
    Yaml yaml = yaml();
    List<Node> documents = new ArrayList<>();
    for (Node document : yaml.composeAll(new StringReader(text))) {
      documents.add(document);
    }
    Optional<MappingNode> target = documents.stream()
        .filter(MappingNode.class::isInstance).map(MappingNode.class::cast)
        .filter(doc -> isService(doc, service))
        .findFirst();
    if (target.isEmpty()) {
      return Optional.empty();
    }
    MappingNode metadata = childMapping(target.get(), "metadata");
    MappingNode existing = childMapping(metadata, "annotations");
    List<NodeTuple> kept = new ArrayList<>();
    for (NodeTuple tuple : existing.getValue()) {
      if (!scalar(tuple.getKeyNode()).startsWith(MirrorAnnotations.PREFIX)) {
        kept.add(tuple);
      }
    }
    new TreeMap<>(annotations).forEach((key, value) -> kept.add(new NodeTuple(
        plain(key), new ScalarNode(Tag.STR, value, null, null, DumperOptions.ScalarStyle.DOUBLE_QUOTED))));
    existing.setValue(kept);
    if (kept.isEmpty()) {
      metadata.getValue().removeIf(t -> scalar(t.getKeyNode()).equals("annotations"));
    }

    StringWriter out = new StringWriter();
    for (int i = 0; i < documents.size(); i++) {
      if (i > 0) {
        out.write("---\n");
      }
      yaml.serialize(documents.get(i), out);
    }
    return Optional.of(out.toString());
  }

  private static boolean isService(MappingNode document, ServiceRef service) {
    if (!"Service".equals(value(document, "kind")) || !"v1".equals(value(document, "apiVersion"))) {
      return false;
    }
    Optional<MappingNode> metadata = child(document, "metadata");
    String name = metadata.map(m -> value(m, "name")).orElse(null);
    String namespace = metadata.map(m -> value(m, "namespace")).orElse("default");
    return service.name().equals(name) && service.namespace().equals(namespace == null ? "default" : namespace);
  }

  private static MappingNode childMapping(MappingNode parent, String key) {
    Optional<MappingNode> existing = child(parent, key);
    if (existing.isPresent()) {
      return existing.get();
    }
    MappingNode created = new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.BLOCK);
    parent.getValue().add(new NodeTuple(plain(key), created));
    return created;
  }

  private static Optional<MappingNode> child(MappingNode parent, String key) {
    for (NodeTuple tuple : parent.getValue()) {
      if (scalar(tuple.getKeyNode()).equals(key) && tuple.getValueNode() instanceof MappingNode mapping) {
        if (mapping.getFlowStyle() == DumperOptions.FlowStyle.FLOW) {
          mapping.setFlowStyle(DumperOptions.FlowStyle.BLOCK);
        }
        return Optional.of(mapping);
      }
    }
    return Optional.empty();
  }

  private static String value(MappingNode parent, String key) {
    for (NodeTuple tuple : parent.getValue()) {
      if (scalar(tuple.getKeyNode()).equals(key) && tuple.getValueNode() instanceof ScalarNode s) {
        return s.getValue();
      }
    }
    return null;
  }

  private static String scalar(Node node) {
    return node instanceof ScalarNode s ? s.getValue() : "";
  }

  private static ScalarNode plain(String text) {
    return new ScalarNode(Tag.STR, text, null, null, DumperOptions.ScalarStyle.PLAIN);
  }

  private static Yaml yaml() {
    LoaderOptions loader = new LoaderOptions();
    loader.setProcessComments(true);
    DumperOptions dumper = new DumperOptions();
    dumper.setProcessComments(true);
    dumper.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    dumper.setIndent(2);
    dumper.setIndicatorIndent(2);
    dumper.setIndentWithIndicator(true);
    dumper.setWidth(Integer.MAX_VALUE);
    dumper.setSplitLines(false);
    return new Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(loader),
        new org.yaml.snakeyaml.representer.Representer(dumper), dumper, loader);
  }
}
