package io.shadowmirroring.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of a process by thread, from {@code /proc/<pid>/task/<tid>/stat} (Linux only): utime and
 * stime of each live thread with its {@code comm} name, so that a scenario's CPU can be split into JIT
 * compilation, GC, gRPC hand-offs, Netty I/O and the server's own work. Threads are grouped by pool: the
 * name with its trailing number stripped ({@code grpc-default-worker-ELG-1-2} shows as
 * {@code grpc-default-wo}, the kernel keeps 15 characters).
 */
final class ThreadCpu {
  private static final double TICKS_PER_SECOND = 100.0;

  /** One thread's name and its CPU ticks so far. */
  record Sample(String name, long userTicks, long systemTicks) {}

  /** CPU by thread id at one instant, with the whole process's (which keeps the time of threads that ended). */
  record Snapshot(Map<Long, Sample> threads, long processTicks) {}

  /** One group's CPU seconds over a scenario. */
  record Group(String name, double user, double system) {
    double total() {
      return user + system;
    }
  }

  private ThreadCpu() {}

  /** Whether per-thread CPU can be read here (Linux's /proc). */
  static boolean available(long pid) {
    return Files.isDirectory(Path.of("/proc", Long.toString(pid), "task"));
  }

  static Snapshot snapshot(long pid) throws IOException {
    Map<Long, Sample> threads = new HashMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (Stream<Path> list = Files.list(tasks)) {
      for (Path task : list.toList()) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException ended) {
          continue;
        }
        // Field 2 (comm) may hold spaces and parentheses; fields are counted after its last ')'.
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        threads.put(Long.parseLong(task.getFileName().toString()),
            new Sample(name, Long.parseLong(fields[11]), Long.parseLong(fields[12])));
      }
    }
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return new Snapshot(threads, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
  }

  /**
   * CPU between two snapshots by group, largest first. Threads that ended in between (gRPC's cached
   * executor lets idle threads go after 60 s) are not in {@code after}: what the process used beyond the
   * live threads shows as the group {@code (ended threads)}.
   */
  static List<Group> between(Snapshot before, Snapshot after) {
    Map<String, long[]> groups = new HashMap<>();
    long sum = 0;
    for (var entry : after.threads().entrySet()) {
      Sample now = entry.getValue();
      Sample then = before.threads().get(entry.getKey());
      long user = now.userTicks() - (then == null ? 0 : then.userTicks());
      long system = now.systemTicks() - (then == null ? 0 : then.systemTicks());
      long[] group = groups.computeIfAbsent(group(now.name()), g -> new long[2]);
      group[0] += user;
      group[1] += system;
      sum += user + system;
    }
    // The process's ticks include those of ended threads; the live threads' deltas do not.
    long ended = (after.processTicks() - before.processTicks()) - sum;
    List<Group> result = new ArrayList<>();
    groups.forEach((name, ticks) -> result.add(
        new Group(name, ticks[0] / TICKS_PER_SECOND, ticks[1] / TICKS_PER_SECOND)));
    if (ended > 0) {
      result.add(new Group("(ended threads)", ended / TICKS_PER_SECOND, 0));
    }
    result.sort((a, b) -> Double.compare(b.total(), a.total()));
    return result;
  }

  /**
   * A thread's pool: its name without the trailing number and separator, with the JVM's and gRPC's
   * well-known pools named for what they do.
   */
  static String group(String threadName) {
    // Some pools are named after an object's hash code ("-1783463798-pool-..."): one group for them.
    String pool = threadName.replaceAll("^-?\\d{5,}-", "<hash>-").replaceAll("[-#_ ]*\\d+$", "");
    return switch (pool) {
      case "C2 CompilerThre" -> "JIT C2";
      case "C1 CompilerThre" -> "JIT C1";
      case "GC Thread" -> "GC workers";
      case "G1 Conc", "G1 Main Marker", "G1 Refine", "G1 Service", "G1 Young RemSet" -> "GC concurrent";
      case "grpc-default-ex" -> "gRPC executor";
      case "grpc-default-wo" -> "Netty workers";
      case "grpc-nio-worker" -> "Netty workers (nio)";
      default -> pool;
    };
  }

  /** {@code total: group a (sys b), ...}, the {@code top} largest groups and the rest as "other". */
  static String format(List<Group> groups, int top) {
    double total = groups.stream().mapToDouble(Group::total).sum();
    StringBuilder out = new StringBuilder(String.format("%.1f CPU-s:", total));
    double rest = 0;
    int shown = 0;
    for (Group group : groups) {
      if (shown < top && group.total() >= 0.05) {
        out.append(shown == 0 ? " " : ", ").append(group.name()).append(String.format(" %.1f", group.total()));
        if (group.system() >= 0.05) {
          out.append(String.format(" (sys %.1f)", group.system()));
        }
        shown++;
      } else {
        rest += group.total();
      }
    }
    if (rest >= 0.05) {
      out.append(shown == 0 ? " " : ", ").append(String.format("other %.1f", rest));
    }
    return out.toString();
  }
}
