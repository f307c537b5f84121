package io.shadowmirroring.shadowctl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Columns aligned with two spaces between them, like kubectl's: readable, and still easy to cut
 * with awk since no cell is left empty ({@link Formats} writes "-" for nothing).
 */
final class TableWriter {
  private static final String GAP = "  ";

  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  TableWriter(String... headers) {
    this(Arrays.asList(headers));
  }

  TableWriter(List<String> headers) {
    this.headers = List.copyOf(headers);
  }

  TableWriter row(String... cells) {
    return row(Arrays.asList(cells));
  }

  TableWriter row(List<String> cells) {
    if (cells.size() != headers.size()) {
      throw new IllegalArgumentException("expected " + headers.size() + " cells, got " + cells.size());
    }
    rows.add(cells.stream().map(TableWriter::cell).toList());
    return this;
  }

  /** A cell holds one line, whatever the server put in it. */
  private static String cell(String text) {
    String line = Main.oneLine(text);
    return line.isEmpty() ? "-" : line;
  }

  String render() {
    int[] widths = new int[headers.size()];
    for (int c = 0; c < widths.length; c++) {
      widths[c] = width(headers.get(c));
      for (List<String> row : rows) {
        widths[c] = Math.max(widths[c], width(row.get(c)));
      }
    }
    StringBuilder out = new StringBuilder();
    line(out, headers, widths);
    rows.forEach(row -> line(out, row, widths));
    return out.toString();
  }

  private static void line(StringBuilder out, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      String cell = cells.get(c);
      line.append(cell);
      if (c < cells.size() - 1) {
        line.append(" ".repeat(widths[c] - width(cell))).append(GAP);
      }
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }

  private static int width(String text) {
    return text.codePointCount(0, text.length());
  }
}
