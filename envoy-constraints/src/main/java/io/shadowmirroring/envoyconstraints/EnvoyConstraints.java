package io.shadowmirroring.envoyconstraints;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.pgv.ReflectiveValidatorIndex;
import io.envoyproxy.pgv.ValidationException;
import io.envoyproxy.pgv.ValidatorIndex;
import java.util.List;
import java.util.Map;

/**
 * Checks a config the way Envoy does when it ingests it: the protoc-gen-validate rules of Envoy's
 * protos (Envoy's {@code MessageUtil::validate}, source/common/protobuf/utility.h, which fails with
 * "Proto constraint validation failed"), on the message and on every {@link Any} inside it
 * ({@code typed_config} and friends), unpacked; plus the checks Envoy makes in code on a
 * RouteConfiguration ({@link RouteConfigurationRules}) and on every RE2 regex ({@link RegexRules}).
 *
 * <p>For tests: the validators are generated at build time from the api jar's {@code .proto}
 * files (envoy/config, envoy/extensions, envoy/type, envoy/service/runtime).
 */
public final class EnvoyConstraints {
  private EnvoyConstraints() {}

  /**
   * Fails with an {@link AssertionError} naming where the first violation is and which rule it
   * breaks; returns normally when Envoy would accept the message.
   */
  public static void assertValid(Message message) {
    String path = message.getDescriptorForType().getFullName();
    // A fresh index per call: it memoizes the validator lookups of this one check only.
    new Check(new ReflectiveValidatorIndex(EnvoyTypes.MISSING_VALIDATOR)).validate(message, path);
  }

  private record Check(ValidatorIndex index) {
    /** The PGV rules of the message and of everything it contains, then the rules beyond PGV. */
    void validate(Message message, String path) {
      try {
        index.validatorFor(message.getClass()).assertValid(message);
      } catch (ValidationException e) {
        throw new AssertionError(path + ": " + e.getMessage(), e);
      }
      visit(message, path);
    }

    /**
     * PGV's generated validators descend into sub-messages but treat an Any as opaque; this walk
     * finds every Any to unpack and validate, and every message with rules beyond PGV.
     */
    private void visit(Message message, String path) {
      if (message instanceof RouteConfiguration routes) {
        RouteConfigurationRules.check(routes, path);
      } else if (message instanceof RegexMatcher regex) {
        RegexRules.check(regex, path);
      }
      for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
        FieldDescriptor descriptor = field.getKey();
        if (descriptor.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
          continue;
        }
        String fieldPath = path + "." + descriptor.getName();
        if (descriptor.isMapField()) {
          for (Object entry : (List<?>) field.getValue()) {
            Message mapEntry = (Message) entry;
            FieldDescriptor key = mapEntry.getDescriptorForType().findFieldByName("key");
            visit(mapEntry, fieldPath + "[" + mapEntry.getField(key) + "]");
          }
        } else if (descriptor.isRepeated()) {
          List<?> values = (List<?>) field.getValue();
          for (int i = 0; i < values.size(); i++) {
            visitValue((Message) values.get(i), fieldPath + "[" + i + "]");
          }
        } else {
          visitValue((Message) field.getValue(), fieldPath);
        }
      }
    }

    private void visitValue(Message value, String path) {
      if (value instanceof Any any) {
        Message unpacked = EnvoyTypes.unpack(any, path);
        validate(unpacked, path + "<" + unpacked.getDescriptorForType().getFullName() + ">");
      } else {
        visit(value, path);
      }
    }
  }
}
