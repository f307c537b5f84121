package io.shadowmirroring.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** The measured values of one scenario on one server, by measure name, in the order they were measured. */
public final class Figures {
  private final Map<String, Double> values = new LinkedHashMap<>();
  private final StringBuilder notes = new StringBuilder();

  public Figures put(String measure, double value) {
    values.put(measure, value);
    return this;
  }

  public Figures propagation(LatencyRecorder.Summary summary) {
    put("propagation p50 (ms)", summary.p50());
    put("propagation p99 (ms)", summary.p99());
    put("propagation max (ms)", summary.max());
    return this;
  }

  public Figures note(String note) {
    notes.append(notes.length() == 0 ? "" : "; ").append(note);
    return this;
  }

  public Map<String, Double> values() {
    return values;
  }

  public double get(String measure) {
    return values.getOrDefault(measure, Double.NaN);
  }

  public String notes() {
    return notes.toString();
  }
}
