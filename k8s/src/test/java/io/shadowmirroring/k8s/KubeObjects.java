package io.shadowmirroring.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Kubernetes objects parsed from YAML into fabric8's typed model (Deployment, Service, ...), and
 * looked up by kind and name. Kinds fabric8 does not know, like Istio's, stay generic.
 */
record KubeObjects(List<HasMetadata> items) {

  KubeObjects {
    items = List.copyOf(items);
  }

  static KubeObjects parse(String yaml) {
    Object parsed = Serialization.unmarshal(yaml);
    List<HasMetadata> items = new ArrayList<>();
    if (parsed instanceof List<?> list) { // several documents
      list.stream().filter(HasMetadata.class::isInstance).map(HasMetadata.class::cast).forEach(items::add);
    } else if (parsed instanceof HasMetadata single) {
      items.add(single);
    }
    return new KubeObjects(items);
  }

  static KubeObjects parse(java.nio.file.Path file) {
    return parse(RepoFiles.read(file));
  }

  static KubeObjects manifests() {
    List<HasMetadata> all = new ArrayList<>();
    RepoFiles.manifestFiles().forEach(f -> all.addAll(parse(f).items()));
    return new KubeObjects(all);
  }

  <T extends HasMetadata> T get(Class<T> kind, String name) {
    return items.stream()
        .filter(kind::isInstance)
        .map(kind::cast)
        .filter(o -> name.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no " + kind.getSimpleName() + " named " + name
            + " among " + ids()));
  }

  GenericKubernetesResource generic(String kind, String name) {
    return items.stream()
        .filter(GenericKubernetesResource.class::isInstance)
        .map(GenericKubernetesResource.class::cast)
        .filter(o -> kind.equals(o.getKind()) && name.equals(o.getMetadata().getName()))
        .findFirst()
        .orElseThrow(() -> new NoSuchElementException("no " + kind + " named " + name + " among " + ids()));
  }

  <T extends HasMetadata> List<T> all(Class<T> kind) {
    return items.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  <T extends HasMetadata> List<String> names(Class<T> kind) {
    return all(kind).stream().map(o -> o.getMetadata().getName()).sorted().toList();
  }

  /** "Kind/name" of every object, in file order. */
  List<String> ids() {
    return items.stream().map(KubeObjects::id).toList();
  }

  static String id(HasMetadata object) {
    return object.getKind() + "/" + object.getMetadata().getName();
  }

  /**
   * Paths of fields fabric8 did not recognise. Its model keeps unknown fields in
   * "additionalProperties" instead of failing, so a misspelt {@code readinesProbe} would otherwise
   * parse fine and be silently ignored by the API server.
   */
  List<String> unknownFields() {
    List<String> found = new ArrayList<>();
    for (HasMetadata item : items) {
      if (!(item instanceof GenericKubernetesResource)) {
        collectUnknown(item, id(item), found);
      }
    }
    return found;
  }

  private static void collectUnknown(Object value, String path, List<String> found) {
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        collectUnknown(list.get(i), path + "[" + i + "]", found);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> collectUnknown(v, path + "[" + k + "]", found));
      return;
    }
    if (value == null || !value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get") || getter.getName().equals("getClass")) {
        continue;
      }
      Object child = invoke(getter, value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
          found.add(path + " " + extra.keySet());
        }
      } else {
        collectUnknown(child, path + "." + getter.getName().substring(3), found);
      }
    }
  }

  private static Object invoke(Method getter, Object target) {
    try {
      return getter.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot read " + getter, e);
    }
  }
}
