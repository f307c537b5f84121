package io.shadowmirroring.envoyconstraints;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.pgv.ValidationException;
import io.envoyproxy.pgv.Validator;
import io.envoyproxy.pgv.ValidatorIndex;

/**
 * The Envoy message types this module has validators for, and how an {@link Any} of one is
 * unpacked. Every Envoy proto declares {@code java_package = "io.envoyproxy.<proto package>"} with
 * {@code java_multiple_files}, so a type name maps to its class by prefix; the generated validator
 * of a top-level message {@code M} is {@code MValidator} in the same package (the lookup that
 * {@code io.envoyproxy.pgv.ReflectiveValidatorIndex} makes).
 */
final class EnvoyTypes {
  private static final String ENVOY_JAVA_PREFIX = "io.envoyproxy.envoy.";
  private static final String VALIDATE_PROTO = "validate/validate.proto";

  /**
   * Where the reflective index finds no validator. PGV generates none for a proto file that declares
   * no rules (it does not import validate.proto), so such a message has nothing to check, and neither
   * have google.protobuf, xds or udpa types. An Envoy type whose file has rules but no validator was
   * not generated here, and would be checked by nothing: that fails rather than passing silently.
   */
  static final ValidatorIndex MISSING_VALIDATOR = new ValidatorIndex() {
    @Override
    @SuppressWarnings("unchecked")
    public <T> Validator<T> validatorFor(Class clazz) {
      if (!clazz.getName().startsWith(ENVOY_JAVA_PREFIX) || !hasRules(clazz)) {
        return Validator.ALWAYS_VALID;
      }
      return proto -> {
        throw new ValidationException(clazz.getName(), "",
            "no validator was generated for this Envoy type; add its proto directory to envoy-constraints/pom.xml");
      };
    }
  };

  private EnvoyTypes() {}

  /**
   * The message inside, if it is an Envoy type this module checks (one with generated validators, or
   * one whose proto declares no rules); else an AssertionError.
   */
  static Message unpack(Any any, String path) {
    String typeUrl = any.getTypeUrl();
    String typeName = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    Class<? extends Message> messageClass = envoyMessageClass(typeName);
    if (messageClass == null) {
      throw new AssertionError(path + ": Any of unknown type \"" + typeUrl
          + "\" (not an Envoy message type that envoy-constraints checks)");
    }
    try {
      return any.unpack(messageClass);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(path + ": Any of type \"" + typeUrl + "\" does not parse: " + e.getMessage(), e);
    }
  }

  private static Class<? extends Message> envoyMessageClass(String typeName) {
    if (!typeName.startsWith("envoy.")) {
      return null;
    }
    String className = "io.envoyproxy." + typeName;
    Class<?> found = load(className);
    if (found == null) {
      // A nested message: Outer.Inner is Outer$Inner.
      int dot = className.lastIndexOf('.');
      found = load(className.substring(0, dot) + "$" + className.substring(dot + 1));
    }
    if (found == null || !Message.class.isAssignableFrom(found)) {
      return null;
    }
    Class<?> outermost = found;
    while (outermost.getEnclosingClass() != null) {
      outermost = outermost.getEnclosingClass();
    }
    Class<? extends Message> messageClass = found.asSubclass(Message.class);
    if (load(outermost.getName() + "Validator") == null && hasRules(messageClass)) {
      return null;
    }
    return messageClass;
  }

  /** Whether the message's proto file declares PGV rules, i.e. imports validate/validate.proto. */
  private static boolean hasRules(Class<?> messageClass) {
    Descriptor descriptor;
    try {
      descriptor = (Descriptor) messageClass.getMethod("getDescriptor").invoke(null);
    } catch (ReflectiveOperationException e) {
      return false;
    }
    return descriptor.getFile().getDependencies().stream().anyMatch(f -> f.getName().equals(VALIDATE_PROTO));
  }

  private static Class<?> load(String className) {
    try {
      return Class.forName(className, false, EnvoyTypes.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return null;
    }
  }
}
