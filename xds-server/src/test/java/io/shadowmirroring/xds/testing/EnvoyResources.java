package io.shadowmirroring.xds.testing;

import com.google.protobuf.Message;
import io.shadowmirroring.xds.translate.XdsResources;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/** Every resource of a translation, whatever resource types {@link XdsResources} holds. */
public final class EnvoyResources {
  private EnvoyResources() {}

  /**
   * Read through the record's components, so a resource type added to XdsResources later (mirror
   * clusters, runtime layers) is checked without anyone remembering to list it here.
   */
  public static List<Message> all(XdsResources resources) {
    List<Message> all = new ArrayList<>();
    for (RecordComponent component : XdsResources.class.getRecordComponents()) {
      Object value;
      try {
        value = component.getAccessor().invoke(resources);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read XdsResources." + component.getName(), e);
      }
      if (value instanceof List<?> list) {
        list.forEach(resource -> all.add((Message) resource));
      } else if (value instanceof Message message) {
        all.add(message);
      }
    }
    return all;
  }
}
