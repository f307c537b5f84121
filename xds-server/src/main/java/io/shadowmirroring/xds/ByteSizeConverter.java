package io.shadowmirroring.xds;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Reads sizes as Kubernetes writes them: {@code 512KiB}, {@code 32MiB}, or plain bytes. */
final class ByteSizeConverter implements CommandLine.ITypeConverter<Integer> {
  private static final Pattern FORMAT = Pattern.compile("(\\d{1,10})(KiB|MiB)?");

  @Override
  public Integer convert(String value) {
    Matcher m = FORMAT.matcher(value.trim());
    if (!m.matches()) {
      throw new CommandLine.TypeConversionException(
          "'" + value + "' is not a size; write bytes, or a number with KiB or MiB, like 32MiB");
    }
    long bytes = Long.parseLong(m.group(1)) * (m.group(2) == null ? 1 : m.group(2).equals("KiB") ? 1024 : 1024 * 1024);
    if (bytes < 1 || bytes > Integer.MAX_VALUE) {
      throw new CommandLine.TypeConversionException("'" + value + "' must be from 1 byte to 2047MiB");
    }
    return (int) bytes;
  }
}
