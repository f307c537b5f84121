package io.shadowmirroring.xds.translate.nginx;

/** Indented nginx configuration text: directives end with ';', blocks open with '{' and close with '}'. */
final class ConfWriter {
  private static final String INDENT = "    ";

  private final StringBuilder text = new StringBuilder();
  private int depth;

  ConfWriter comment(String line) {
    return line("# " + line);
  }

  ConfWriter directive(String directive) {
    return line(directive + ";");
  }

  ConfWriter open(String header) {
    line(header + " {");
    depth++;
    return this;
  }

  ConfWriter close() {
    depth--;
    return line("}");
  }

  ConfWriter blank() {
    text.append('\n');
    return this;
  }

  private ConfWriter line(String line) {
    text.append(INDENT.repeat(depth)).append(line).append('\n');
    return this;
  }

  @Override
  public String toString() {
    return text.toString();
  }
}
