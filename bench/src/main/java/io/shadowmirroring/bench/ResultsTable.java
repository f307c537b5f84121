package io.shadowmirroring.bench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The run's figures as markdown: every measure side by side, then issue 8's targets with met or not. */
final class ResultsTable {
  static final Map<Integer, String> SCENARIOS = Map.of(
      1, "EndpointSlice change, SotW",
      2, "mirror percentage edit, SotW",
      3, "EndpointSlice change, Delta",
      4, "one route table to every stream (methods edit)",
      5, "streams connecting at once",
      6, "memory (idle streams, -Xmx1g)",
      7, "translation (JMH)",
      8, "churn: EndpointSlice updates, SotW");

  private final Map<Integer, Figures> ours;
  private final Map<Integer, Figures> baseline;

  ResultsTable(Map<Integer, Figures> ours, Map<Integer, Figures> baseline) {
    this.ours = ours;
    this.baseline = baseline;
  }

  String figures() {
    StringBuilder out = new StringBuilder("| # | scenario | measure | ours | baseline | ours ÷ baseline |\n"
        + "|---|---|---|---|---|---|\n");
    Set<Integer> scenarios = new java.util.TreeSet<>(ours.keySet());
    scenarios.addAll(baseline.keySet());
    for (int scenario : scenarios) {
      Figures a = ours.getOrDefault(scenario, new Figures());
      Figures b = baseline.getOrDefault(scenario, new Figures());
      Set<String> measures = new LinkedHashSet<>(a.values().keySet());
      measures.addAll(b.values().keySet());
      for (String measure : measures) {
        double x = a.get(measure);
        double y = b.get(measure);
        out.append("| ").append(scenario).append(" | ").append(SCENARIOS.get(scenario)).append(" | ").append(measure)
            .append(" | ").append(number(x)).append(" | ").append(number(y)).append(" | ").append(ratio(x, y))
            .append(" |\n");
      }
    }
    List<String> notes = new ArrayList<>();
    for (int scenario : scenarios) {
      for (var side : List.of(Map.entry("ours", ours), Map.entry("baseline", baseline))) {
        Figures f = side.getValue().get(scenario);
        if (f != null && !f.notes().isEmpty()) {
          notes.add("- " + scenario + ", " + side.getKey() + ": " + f.notes());
        }
      }
    }
    return out + (notes.isEmpty() ? "" : "\n" + String.join("\n", notes) + "\n");
  }

  String targets() {
    StringBuilder out = new StringBuilder("| # | target | ours | baseline | ours ÷ baseline | met? |\n"
        + "|---|---|---|---|---|---|\n");
    target(out, 1, "p99 ≤ 300 ms", "propagation p99 (ms)", v -> v <= 300);
    target(out, 1, "≤ 2 KB per stream", "bytes per stream", v -> v <= 2048);
    relative(out, 1, "p99 ≤ ⅓ of the baseline's", "propagation p99 (ms)");
    target(out, 2, "p99 ≤ 1 s", "propagation p99 (ms)", v -> v <= 1000);
    relative(out, 2, "p99 ≤ ⅓ of the baseline's", "propagation p99 (ms)");
    target(out, 3, "p99 ≤ 100 ms", "propagation p99 (ms)", v -> v <= 100);
    target(out, 4, "≤ 1.5 CPU-seconds in the server", "server CPU (s)", v -> v <= 1.5);
    relative(out, 5, "server CPU ≤ ⅓ of the baseline's", "server CPU (s)");
    target(out, 5, "all complete", "streams complete", v -> true);
    target(out, 6, "≤ 30 KB heap per idle stream", "heap per idle stream (KB)", v -> v <= 30);
    target(out, 6, "all complete in a 1 GB heap", "streams complete", v -> true);
    target(out, 8, "p99 ≤ 250 ms", "propagation p99 (ms)", v -> v <= 250);
    target(out, 8, "≤ 1 core on average", "average cores", v -> v <= 1);
    target(out, 8, "no growing backlog (last window's p99 ≤ 2 × first's)", "p99 last window (ms)", v -> v <= 2
        * ours.get(8).get("p99 first window (ms)"));
    target(out, 7, "full rebuild ≤ 100 ms (the issue: 5,000 Services)", "fullRebuild (ms)", v -> v <= 100);
    target(out, 7, "one changed Service ≤ 5 ms (incremental)", "oneChangedService (ms)", v -> v <= 5);
    return out.toString();
  }

  private void target(StringBuilder out, int scenario, String target, String measure,
      java.util.function.DoublePredicate met) {
    if (!ours.containsKey(scenario)) {
      return;
    }
    double x = ours.get(scenario).get(measure);
    double y = baseline.containsKey(scenario) ? baseline.get(scenario).get(measure) : Double.NaN;
    boolean ok = !Double.isNaN(x) && met.test(x);
    // A figure of streams that never completed, or of deliveries never seen, meets nothing.
    String notes = ours.get(scenario).notes();
    if (notes.contains("complete after") || notes.contains("deliveries seen") || notes.contains("OutOfMemoryError")) {
      ok = false;
    }
    out.append("| ").append(scenario).append(" | ").append(target).append(" | ").append(number(x)).append(" | ")
        .append(number(y)).append(" | ").append(ratio(x, y)).append(" | ").append(ok ? "yes" : "**no**")
        .append(" |\n");
  }

  private void relative(StringBuilder out, int scenario, String target, String measure) {
    if (!ours.containsKey(scenario) || !baseline.containsKey(scenario)) {
      return;
    }
    double x = ours.get(scenario).get(measure);
    double y = baseline.get(scenario).get(measure);
    boolean ok = !Double.isNaN(x) && !Double.isNaN(y) && x * 3 <= y;
    out.append("| ").append(scenario).append(" | ").append(target).append(" | ").append(number(x)).append(" | ")
        .append(number(y)).append(" | ").append(ratio(x, y)).append(" | ").append(ok ? "yes" : "**no**")
        .append(" |\n");
  }

  static String number(double value) {
    if (Double.isNaN(value)) {
      return "–";
    }
    if (Math.abs(value) >= 100 || value == Math.rint(value)) {
      return String.format("%,.0f", value);
    }
    return String.format("%.2f", value);
  }

  private static String ratio(double x, double y) {
    return Double.isNaN(x) || Double.isNaN(y) || y == 0 ? "–" : String.format("%.2f", x / y);
  }
}
