package io.shadowmirroring.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a recording's CPU samples ({@code jdk.ExecutionSample}, what {@code jfr print --events
 * jdk.ExecutionSample} lists) were: by thread (a server's threads say what they do: reconciler, analysis,
 * gRPC workers), the top frames (self time), and the packages of the top frames. Native code (socket
 * writes) is not in these samples.
 */
public final class JfrSummary {
  private JfrSummary() {}

  public static String summarize(Path recording, int top) throws IOException {
    Map<String, Integer> frames = new HashMap<>();
    Map<String, Integer> packages = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> ours = new HashMap<>();
    int samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      // Thread names without their numbers: the pool, not the worker, says what the CPU was for.
      String thread = event.getThread("sampledThread") == null ? "?" : event.getThread("sampledThread").getJavaName();
      threads.merge(thread == null ? "?" : thread.replaceAll("[-#]?\\d+$", ""), 1, Integer::sum);
      RecordedFrame frame = stack.getFrames().get(0);
      String type = frame.getMethod().getType().getName();
      frames.merge(type + "." + frame.getMethod().getName(), 1, Integer::sum);
      packages.merge(packageOf(type), 1, Integer::sum);
      ours.merge(firstOwnFrame(stack), 1, Integer::sum);
    }
    StringBuilder out = new StringBuilder();
    out.append(samples).append(" execution samples\n\nby thread:\n\n");
    append(out, threads, samples, top);
    out.append("\ntop frames (self):\n\n");
    append(out, frames, samples, top);
    out.append("\nby package of the top frame:\n\n");
    append(out, packages, samples, top);
    out.append("\nby the innermost frame of the server's own code (what it was doing):\n\n");
    append(out, ours, samples, top);
    return out.toString();
  }

  /** The innermost io.shadowmirroring method and its caller; "(library)" when none is on the stack. */
  private static String firstOwnFrame(RecordedStackTrace stack) {
    List<RecordedFrame> frames = stack.getFrames();
    for (int i = 0; i < frames.size(); i++) {
      String type = frames.get(i).getMethod().getType().getName();
      if (type.startsWith("io.shadowmirroring.")) {
        String own = shortName(frames.get(i));
        return i + 1 < frames.size() ? own + " < " + shortName(frames.get(i + 1)) : own;
      }
    }
    return "(library)";
  }

  private static String shortName(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
  }

  private static String packageOf(String type) {
    String[] parts = type.split("\\.");
    int keep = Math.min(parts.length - 1, type.startsWith("io.grpc.netty.shaded.io.netty") ? 7 : 3);
    return String.join(".", List.of(parts).subList(0, Math.max(1, keep)));
  }

  private static void append(StringBuilder out, Map<String, Integer> counts, int samples, int top) {
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .forEach(e -> out.append(String.format("  %5.1f %%  %s%n", 100.0 * e.getValue() / Math.max(1, samples),
            e.getKey())));
  }
}
