package io.shadowmirroring.shadowctl;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.shadowmirroring.api.admin.v1.Check;
import io.shadowmirroring.api.admin.v1.Comparison;
import io.shadowmirroring.api.admin.v1.ListMirrorsResponse;
import io.shadowmirroring.api.admin.v1.ListProxiesResponse;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorChange;
import io.shadowmirroring.api.admin.v1.MirrorEvent;
import io.shadowmirroring.api.admin.v1.MirrorTarget;
import io.shadowmirroring.api.admin.v1.Proxy;
import io.shadowmirroring.api.admin.v1.ResourceStatus;
import io.shadowmirroring.api.admin.v1.SideStats;
import io.shadowmirroring.api.admin.v1.TargetComparison;
import io.shadowmirroring.api.admin.v1.TargetVerdict;
import io.shadowmirroring.api.admin.v1.Verdict;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Every rendering of a response, as pure functions of it: no clock, no locale, no environment,
 * so the same response always prints the same bytes (the golden tests rely on that).
 */
final class Formats {
  /** The xDS types every proxy subscribes to get a column of their own, in this order. */
  private static final List<String> MAIN_TYPES = List.of("CDS", "EDS", "LDS", "RDS");

  private static final Map<String, String> SHORT_TYPE_NAMES = Map.of(
      "envoy.config.cluster.v3.Cluster", "CDS",
      "envoy.config.endpoint.v3.ClusterLoadAssignment", "EDS",
      "envoy.config.listener.v3.Listener", "LDS",
      "envoy.config.route.v3.RouteConfiguration", "RDS",
      "envoy.config.route.v3.ScopedRouteConfiguration", "SRDS",
      "envoy.config.route.v3.VirtualHost", "VHDS",
      "envoy.extensions.transport_sockets.tls.v3.Secret", "SDS",
      "envoy.service.runtime.v3.Runtime", "RTDS");

  /** An escape, after an even number of backslashes (which are escaped backslashes themselves). */
  private static final Pattern HTML_SAFE_ESCAPE = Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u00(3c|3d|3e|26|27)");

  /** Doubles up to 2^53 are exact integers; above that a "whole" double is only approximately one. */
  private static final double EXACT_INTEGER_LIMIT = 9007199254740992d;

  private Formats() {}

  // ---- json / yaml -------------------------------------------------------------------------

  /** The response as protobuf's canonical JSON (lowerCamelCase names, defaults omitted). */
  static String json(MessageOrBuilder message) {
    return readable(printJson(JsonFormat.printer(), message)) + "\n";
  }

  /** One compact JSON document per line, for streams (JSON Lines). */
  static String jsonLine(MessageOrBuilder message) {
    return readable(printJson(JsonFormat.printer().omittingInsignificantWhitespace(), message)) + "\n";
  }

  /**
   * Undoes the HTML-safe escapes of protobuf's printer ({@code \u003d} for '=', and &lt; &gt; &amp; ')
   * which would make every target with a percentage unreadable. Same JSON value: only an escape
   * that is not itself preceded by an escaping backslash is replaced.
   */
  static String readable(String json) {
    return HTML_SAFE_ESCAPE.matcher(json).replaceAll(
        m -> Matcher.quoteReplacement(m.group(1) + (char) Integer.parseInt(m.group(2), 16)));
  }

  /** The same tree as {@link #json}, written as YAML, so that both formats carry the same names. */
  static String yaml(MessageOrBuilder message) {
    return jsonToYaml(printJson(JsonFormat.printer(), message));
  }

  private static String printJson(JsonFormat.Printer printer, MessageOrBuilder message) {
    try {
      return printer.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only an Any of an unknown type can get here, and this API has none.
      throw CliException.failure("cannot print the answer as JSON: " + Main.oneLine(e.getMessage()), e);
    }
  }

  /**
   * Any JSON document as YAML. Parsed through protobuf's own {@code google.protobuf.Value} so that
   * no extra JSON library is needed and object keys keep their order.
   */
  static String jsonToYaml(String json) {
    Value.Builder tree = Value.newBuilder();
    try {
      JsonFormat.parser().merge(json, tree);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw CliException.failure("the server's answer is not valid JSON: " + Main.oneLine(e.getMessage()), e);
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setSplitLines(false);
    options.setAllowUnicode(true);
    return new Yaml(new Representer(options), options).dump(plain(tree.build()));
  }

  private static Object plain(Value value) {
    return switch (value.getKindCase()) {
      case STRUCT_VALUE -> {
        Map<String, Object> map = new LinkedHashMap<>();
        value.getStructValue().getFieldsMap().forEach((k, v) -> map.put(k, plain(v)));
        yield map;
      }
      case LIST_VALUE -> {
        List<Object> list = new ArrayList<>();
        value.getListValue().getValuesList().forEach(v -> list.add(plain(v)));
        yield list;
      }
      case NUMBER_VALUE -> {
        // JSON has one number type; ports and counts read better as 80 than as 80.0.
        double d = value.getNumberValue();
        yield d == Math.rint(d) && Math.abs(d) < EXACT_INTEGER_LIMIT ? (Object) (long) d : (Object) d;
      }
      case STRING_VALUE -> value.getStringValue();
      case BOOL_VALUE -> value.getBoolValue();
      case NULL_VALUE, KIND_NOT_SET -> null;
    };
  }

  // ---- mirrors -----------------------------------------------------------------------------

  static String mirrorsTable(ListMirrorsResponse response) {
    TableWriter table = new TableWriter(
        "NAMESPACE", "SERVICE", "STATE", "TARGETS", "METHODS", "PROMOTED", "VERDICT", "VERSION", "ERROR");
    for (Mirror m : response.getMirrorsList()) {
      table.row(m.getService().getNamespace(), m.getService().getName(), state(m), targets(m.getTargetsList()),
          String.join(",", m.getMethodsList()), m.getPromoted(), verdicts(m.getVerdictsList()), m.getConfigVersion(),
          m.getError());
    }
    return table.render();
  }

  /**
   * The notices of every mirror, one line each ({@code NOTICE rpc/orders: port 50051 speaks gRPC: ...}),
   * empty when there are none. {@code mirrors} writes them to stderr, under the table, so that stdout stays
   * the table alone for scripts, as kubectl does with its warnings.
   */
  static String notices(List<Mirror> mirrors) {
    StringBuilder out = new StringBuilder();
    for (Mirror m : mirrors) {
      for (String notice : m.getNoticesList()) {
        out.append("NOTICE ").append(ServiceRef.of(m.getService())).append(": ").append(Main.oneLine(notice))
            .append('\n');
      }
    }
    return out.toString();
  }

  /** {@code get}: one mirror as a key: value block, with the annotations it was read from. */
  static String mirrorDetails(Mirror m) {
    StringBuilder out = new StringBuilder();
    field(out, "Service", ServiceRef.of(m.getService()).toString());
    field(out, "State", state(m));
    if (m.getTargetsCount() == 0) {
      field(out, "Targets", "");
    } else {
      // One target a line: a mirror with several targets stays readable.
      for (int i = 0; i < m.getTargetsCount(); i++) {
        field(out, i == 0 ? "Targets" : "", target(m.getTargets(i)));
      }
    }
    field(out, "Methods", String.join(",", m.getMethodsList()));
    field(out, "Keep host", Boolean.toString(m.getKeepHost()));
    field(out, "Promoted", m.getPromoted());
    if (m.getVerdictsCount() == 0) {
      field(out, "Verdicts", "");
    } else {
      for (int i = 0; i < m.getVerdictsCount(); i++) {
        field(out, i == 0 ? "Verdicts" : "", verdictLine(m.getVerdicts(i)));
      }
    }
    // Only when there are some: most mirrors have none, and "-" would be noise.
    for (int i = 0; i < m.getNoticesCount(); i++) {
      field(out, i == 0 ? "Notices" : "", m.getNotices(i));
    }
    field(out, "Version", m.getConfigVersion());
    field(out, "Error", m.getError());
    if (m.getAnnotationsCount() == 0) {
      field(out, "Annotations", "");
    } else {
      out.append("Annotations:\n");
      new TreeMap<>(m.getAnnotationsMap()).forEach(
          (key, value) -> out.append("  ").append(key).append(": ").append(Main.oneLine(value)).append('\n'));
    }
    return out.toString();
  }

  private static void field(StringBuilder out, String label, String value) {
    String text = Main.oneLine(value);
    String key = label.isEmpty() ? "" : label + ":";
    out.append(key).append(" ".repeat(14 - key.length())).append(text.isEmpty() ? "-" : text).append('\n');
  }

  /**
   * A mutation's answer in one line: {@code shadow-demo/app-service: MIRRORING (config version
   * abc123, served)}. The name is the one typed, which is the one the user will look for.
   */
  static String change(ServiceRef service, MirrorChange change, boolean deleted) {
    Mirror m = change.getMirror();
    StringBuilder line = new StringBuilder().append(service).append(": ");
    if (deleted) {
      line.append("deleted");
    } else {
      line.append(state(m));
      if (m.getState() == Mirror.State.PROMOTED && !m.getPromoted().isEmpty()) {
        line.append(" to ").append(m.getPromoted());
      }
    }
    line.append(" (config version ").append(orDash(change.getConfigVersion())).append(", ")
        .append(change.getServed() ? "served" : "not yet served").append(')');
    if (!deleted && !m.getError().isEmpty()) {
      line.append(": ").append(Main.oneLine(m.getError()));
    }
    return line.append('\n').toString();
  }

  /** {@code watch}: one event a line, flushed as it comes. */
  static String eventLine(MirrorEvent event) {
    Mirror m = event.getMirror();
    String kind = switch (event.getKind()) {
      case UPSERTED, DELETED -> event.getKind().name();
      default -> "UNKNOWN";
    };
    StringBuilder line = new StringBuilder(String.format("%-8s  %s", kind, ServiceRef.of(m.getService())));
    if (event.getKind() != MirrorEvent.Kind.DELETED) {
      line.append("  ").append(state(m))
          .append("  ").append(orDash(targets(m.getTargetsList())))
          .append("  ").append(orDash(m.getConfigVersion()));
      if (!m.getError().isEmpty()) {
        line.append("  ").append(Main.oneLine(m.getError()));
      }
    }
    return line.append('\n').toString();
  }

  static String state(Mirror m) {
    return switch (m.getState()) {
      case MIRRORING, PROMOTED, INVALID -> m.getState().name();
      case STATE_UNSPECIFIED -> "UNKNOWN";
      // A newer server's state that this build does not know yet: show its number, not nothing.
      case UNRECOGNIZED -> "UNKNOWN(" + m.getStateValue() + ")";
    };
  }

  /** {@code ns/svc:port=pct}, comma-separated: the resolved form, close to the annotation's syntax. */
  static String targets(List<MirrorTarget> targets) {
    return targets.stream().map(Formats::target).collect(Collectors.joining(","));
  }

  static String target(MirrorTarget t) {
    StringBuilder s = new StringBuilder();
    if (!t.getNamespace().isEmpty()) {
      s.append(t.getNamespace()).append('/');
    }
    s.append(t.getService());
    if (t.getPort() != 0) {
      s.append(':').append(t.getPort());
    }
    return s.append('=').append(percent(t.getPercentage())).toString();
  }

  /** 100.0 as "100", 12.5 as "12.5": the way a percentage is written in the annotation. */
  static String percent(double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return Double.toString(value);
    }
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  // ---- verdicts and comparisons -----------------------------------------------------------

  /**
   * The VERDICT cell: the verdict alone for a mirror with one target, else {@code ns/svc:port=VERDICT}
   * per target, in the order of the verdicts. A target judged on several ports of the primary shows the
   * worst of them (FAILING, then INSUFFICIENT_DATA, then PASSING).
   */
  static String verdicts(List<TargetVerdict> verdicts) {
    Map<String, Verdict> worst = new LinkedHashMap<>();
    for (TargetVerdict v : verdicts) {
      MirrorTarget t = v.getTarget();
      String key = t.getNamespace() + "/" + t.getService() + ":" + t.getPort();
      worst.merge(key, v.getVerdict(), (a, b) -> severity(a) >= severity(b) ? a : b);
    }
    if (worst.size() == 1) {
      return verdict(worst.values().iterator().next());
    }
    return worst.entrySet().stream().map(e -> e.getKey() + "=" + verdict(e.getValue()))
        .collect(Collectors.joining(","));
  }

  private static int severity(Verdict verdict) {
    return switch (verdict) {
      case FAILING -> 3;
      case INSUFFICIENT_DATA -> 2;
      case PASSING -> 1;
      default -> 0;
    };
  }

  static String verdict(Verdict verdict) {
    return switch (verdict) {
      case INSUFFICIENT_DATA, PASSING, FAILING -> verdict.name();
      case VERDICT_UNSPECIFIED -> "UNKNOWN";
      case UNRECOGNIZED -> "UNKNOWN";
    };
  }

  /** {@code get}: {@code port 80 -> ns/svc:80  PASSING since 2025-01-15T09:30:00Z}. */
  private static String verdictLine(TargetVerdict v) {
    MirrorTarget t = v.getTarget();
    return "port " + v.getPrimaryPort() + " -> " + t.getNamespace() + "/" + t.getService() + ":" + t.getPort() + "  "
        + verdict(v.getVerdict()) + " since " + timestamp(v.getVerdictSince())
        + (v.getShadowOverloaded() ? "  (shadow overloaded: copies dropped)" : "");
  }

  /**
   * {@code compare}: one block per primary port and target: a verdict line, the request counts of both
   * sides, then the checks as a table (metric | production | shadow | delta | threshold | ok), and the
   * reason of each failed check below it.
   */
  static String comparison(Comparison comparison) {
    ServiceRef primary = ServiceRef.of(comparison.getService());
    List<String> blocks = new ArrayList<>();
    for (TargetComparison t : comparison.getTargetsList()) {
      StringBuilder block = new StringBuilder();
      block.append(primary).append(':').append(t.getPrimaryPort()).append(" -> ")
          .append(t.getTargetNamespace()).append('/').append(t.getTargetService()).append(':').append(t.getTargetPort())
          .append("  ").append(verdict(t.getVerdict())).append(" since ").append(timestamp(t.getVerdictSince()));
      if (t.getShadowOverloaded()) {
        block.append("  (shadow overloaded: copies dropped by its circuit breakers)");
      }
      block.append('\n');
      block.append("requests: production ").append(side(t.getProduction())).append(", shadow ")
          .append(side(t.getShadow())).append('\n');
      if (t.getChecksCount() == 0) {
        block.append("no checks yet\n");
      } else {
        TableWriter table = new TableWriter("METRIC", "PRODUCTION", "SHADOW", "DELTA", "THRESHOLD", "OK");
        for (Check c : t.getChecksList()) {
          table.row(c.getMetric(), c.getProduction(), c.getShadow(), c.getDelta(), c.getThreshold(),
              c.getOk() ? "yes" : "NO");
        }
        block.append(table.render());
        for (Check c : t.getChecksList()) {
          if (!c.getOk() && !c.getReason().isEmpty()) {
            block.append("  ").append(Main.oneLine(c.getMetric())).append(": ").append(Main.oneLine(c.getReason()))
                .append('\n');
          }
        }
      }
      blocks.add(block.toString());
    }
    return String.join("\n", blocks);
  }

  /** {@code 1200 (20.0/s, 2 proxies)}. */
  private static String side(SideStats s) {
    return s.getRequests() + " (" + BigDecimal.valueOf(s.getRatePerSecond()).setScale(1, java.math.RoundingMode.HALF_UP)
        .toPlainString() + "/s, " + s.getProxies() + (s.getProxies() == 1 ? " proxy)" : " proxies)");
  }

  // ---- proxies -----------------------------------------------------------------------------

  static String proxiesTable(ListProxiesResponse response) {
    // Types other than the main four get columns too, but only when some proxy has them.
    TreeSet<String> extraTypes = new TreeSet<>();
    response.getProxiesList().forEach(p -> p.getResourcesList().forEach(r -> extraTypes.add(shortType(r.getTypeUrl()))));
    extraTypes.removeAll(MAIN_TYPES);
    List<String> types = new ArrayList<>(MAIN_TYPES);
    types.addAll(extraTypes);

    List<String> headers = new ArrayList<>(List.of("NODE", "CLUSTER", "AGENT", "PEER", "CONNECTED", "MODE"));
    headers.addAll(types);
    TableWriter table = new TableWriter(headers);
    TableWriter nacks = new TableWriter("NODE", "TYPE", "VERSION", "AT", "ERROR");
    boolean anyNack = false;
    for (Proxy p : response.getProxiesList()) {
      List<String> row = new ArrayList<>(List.of(p.getNodeId(), p.getCluster(), p.getUserAgent(),
          p.getPeerAddress(), timestamp(p.getConnectedSince()), p.getDelta() ? "delta" : "sotw"));
      for (String type : types) {
        row.add(p.getResourcesList().stream()
            .filter(r -> shortType(r.getTypeUrl()).equals(type))
            .findFirst()
            .map(Formats::resourceCell)
            .orElse("-"));
      }
      table.row(row);
      for (ResourceStatus r : p.getResourcesList()) {
        if (!r.getLastNackVersion().isEmpty()) {
          anyNack = true;
          nacks.row(p.getNodeId(), shortType(r.getTypeUrl()), r.getLastNackVersion(),
              timestamp(r.getLastNackTime()), r.getLastNackError());
        }
      }
    }
    String out = table.render();
    // The marker in the table says which; the reason is too long for a cell, so it goes below.
    return anyNack ? out + "\nLast NACK per proxy and type:\n" + nacks.render() : out;
  }

  /** The version the proxy acked, marked when it has rejected one. */
  private static String resourceCell(ResourceStatus r) {
    String acked = orDash(r.getVersionAcked());
    return r.getLastNackVersion().isEmpty() ? acked : acked + " NACK";
  }

  static String shortType(String typeUrl) {
    String name = typeUrl.substring(typeUrl.lastIndexOf('/') + 1);
    String known = SHORT_TYPE_NAMES.get(name);
    return known != null ? known : name.substring(name.lastIndexOf('.') + 1);
  }

  /** ISO-8601 in UTC to the second: absolute, so the output does not depend on when it is read. */
  static String timestamp(Timestamp t) {
    if (t.getSeconds() == 0 && t.getNanos() == 0) {
      return "-";
    }
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }
}
