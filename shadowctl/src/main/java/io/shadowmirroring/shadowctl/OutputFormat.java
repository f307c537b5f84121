package io.shadowmirroring.shadowctl;

import com.google.protobuf.MessageOrBuilder;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The -o choice. json and yaml are the response message itself, for scripts; table is for people. */
enum OutputFormat {
  TABLE,
  JSON,
  YAML;

  /** The response in this format; {@code table} is only computed when it is the one asked for. */
  String render(MessageOrBuilder response, Supplier<String> table) {
    return switch (this) {
      case TABLE -> table.get();
      case JSON -> Formats.json(response);
      case YAML -> Formats.yaml(response);
    };
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  static final class Converter implements ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String value) {
      for (OutputFormat format : values()) {
        if (format.name().equalsIgnoreCase(value)) {
          return format;
        }
      }
      throw new TypeConversionException("--output: expected table, json or yaml, got \"" + value + "\"");
    }
  }
}
