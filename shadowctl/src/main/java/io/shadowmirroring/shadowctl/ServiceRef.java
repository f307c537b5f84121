package io.shadowmirroring.shadowctl;

import io.shadowmirroring.api.admin.v1.ServiceName;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A Service named on the command line as {@code NAMESPACE/SERVICE}. */
record ServiceRef(String namespace, String name) {

  static ServiceRef parse(String text) {
    int slash = text.indexOf('/');
    boolean wellFormed = slash > 0
        && slash < text.length() - 1
        && text.indexOf('/', slash + 1) < 0
        && text.chars().noneMatch(Character::isWhitespace);
    if (!wellFormed) {
      // Only the shape is checked here; whether the Service exists is the server's call.
      throw new TypeConversionException("expected NAMESPACE/SERVICE, got \"" + text + "\"");
    }
    return new ServiceRef(text.substring(0, slash), text.substring(slash + 1));
  }

  static ServiceRef of(ServiceName name) {
    return new ServiceRef(name.getNamespace(), name.getName());
  }

  ServiceName toProto() {
    return ServiceName.newBuilder().setNamespace(namespace).setName(name).build();
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }

  /** Lets picocli reject a malformed NS/SVC as a usage error before anything connects. */
  static final class Converter implements ITypeConverter<ServiceRef> {
    @Override
    public ServiceRef convert(String value) {
      return parse(value);
    }
  }
}
