package io.shadowmirroring.xds.analysis;

import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.model.AnalysisSettings;
import io.shadowmirroring.xds.translate.ResourceNames;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which stat names matter under the current model, and whose they are. Built once per model build, then
 * shared read-only by every stream.
 *
 * <p>Two naming modes, both from {@code MetricsFlusher::populateMetricsFamily}
 * (source/extensions/stat_sinks/metrics_service/grpc_metrics_service_impl.cc):
 * <ul>
 *   <li>without labels the family name is the full stat name: {@code cluster.<alt_stat_name>.upstream_rq_5xx} and
 *       {@code vhost.<virtual host>.route.<stat_prefix>.upstream_rq_5xx}. Cluster names are sanitized
 *       ({@code Stats::Utility::sanitizeStatsName}, source/common/stats/utility.cc: "://", ":/" and ":" become
 *       "_"); virtual host names and route stat prefixes are not.</li>
 *   <li>with {@code emit_tags_as_labels} it is the tag-extracted name, with the tags as labels. The default
 *       extractors (source/common/config/well_known_names.cc) take {@code envoy.cluster_name} from
 *       {@code cluster.$.**}, {@code envoy.virtual_host} from {@code vhost.$.**}, {@code envoy.route} from
 *       {@code vhost.*.route.$.**}, {@code envoy.response_code_class} from {@code _rq_(\d)xx$} and
 *       {@code envoy.response_code} from {@code _rq(_\d{3})$}: so {@code cluster.upstream_rq_xx},
 *       {@code cluster.upstream_rq}, {@code vhost.route.upstream_rq_xx} and so on.</li>
 * </ul>
 */
final class StatPlan {
  static final String CLUSTER_NAME_TAG = "envoy.cluster_name";
  static final String VIRTUAL_HOST_TAG = "envoy.virtual_host";
  static final String ROUTE_TAG = "envoy.route";
  static final String RESPONSE_CODE_CLASS_TAG = "envoy.response_code_class";
  static final String RESPONSE_CODE_TAG = "envoy.response_code";

  /** A tag-extracted family name: which side's labels identify it, and which stat it is. */
  record LabeledName(boolean route, Stat stat, boolean byClassLabel) {}

  private static final ByteKeyMap<Stat> LEAVES;
  private static final ByteKeyMap<LabeledName> LABELED_NAMES;

  static {
    Map<String, Stat> leaves = new HashMap<>();
    Map<String, LabeledName> labeled = new HashMap<>();
    for (Stat stat : Stat.values()) {
      if (stat.leaf() == null) {
        continue;
      }
      leaves.put(stat.leaf(), stat);
      if (stat.name().startsWith("CLASS_")) {
        continue;
      }
      labeled.put("cluster." + stat.leaf(), new LabeledName(false, stat, false));
      labeled.put("vhost.route." + stat.leaf(), new LabeledName(true, stat, false));
    }
    for (boolean route : new boolean[] {false, true}) {
      String prefix = route ? "vhost.route." : "cluster.";
      labeled.put(prefix + "upstream_rq_xx", new LabeledName(route, null, true));
      labeled.put(prefix + "upstream_rq", new LabeledName(route, Stat.RESPONSE_CODE, false));
    }
    LEAVES = new ByteKeyMap<>(leaves);
    LABELED_NAMES = new ByteKeyMap<>(labeled);
  }

  static final StatPlan EMPTY = new StatPlan(List.of());

  /** The pairs as given, to find an unchanged plan; {@link #pairs} sorts them. */
  private final List<MirrorPair> given;
  private final List<MirrorPair> pairs;
  // Asked once per mirrored Service per automation tick: a scan of every pair per Service was quadratic.
  private final Map<ServiceRef, List<MirrorPair>> pairsByService;
  private final List<StatScope> scopes;
  private final ByteKeyMap<Integer> fullNameScopes;
  private final ByteKeyMap<Integer> clusterLabelScopes;
  private final ByteKeyMap<Integer> routeLabelScopes;
  private final byte[][] virtualHosts;
  private final Duration retention;

  StatPlan(List<MirrorPair> pairs) {
    this.given = List.copyOf(pairs);
    this.pairs = pairs.stream()
        .sorted(Comparator.comparing(MirrorPair::primary).thenComparing(MirrorPair::target)).toList();
    Map<StatScope, Integer> index = new LinkedHashMap<>();
    Map<String, Integer> fullNames = new HashMap<>();
    Map<String, Integer> clusterLabels = new HashMap<>();
    Map<String, Integer> routeLabels = new HashMap<>();
    Duration longest = AnalysisSettings.DEFAULT.window();
    for (MirrorPair pair : this.pairs) {
      longest = pair.settings().window().compareTo(longest) > 0 ? pair.settings().window() : longest;
      if (!index.containsKey(pair.production())) {
        int i = index.size();
        index.put(pair.production(), i);
        fullNames.put(routeScopeName(pair.primary()), i);
        routeLabels.put(ResourceNames.mirroredRouteStatPrefix(pair.primary()), i);
      }
      int i = index.size();
      index.put(pair.shadow(), i);
      String clusterStatName = sanitize(ResourceNames.mirrorClusterStatName(pair.primary(), pair.target()));
      fullNames.put("cluster." + clusterStatName, i);
      clusterLabels.put(clusterStatName, i);
    }
    this.scopes = List.copyOf(index.keySet());
    Map<ServiceRef, List<MirrorPair>> byService = new HashMap<>();
    for (MirrorPair pair : this.pairs) {
      byService.computeIfAbsent(pair.primary().service(), s -> new ArrayList<>()).add(pair);
    }
    byService.replaceAll((service, list) -> List.copyOf(list));
    this.pairsByService = byService;
    this.virtualHosts = new byte[scopes.size()][];
    for (int i = 0; i < scopes.size(); i++) {
      virtualHosts[i] = ResourceNames.virtualHost(scopes.get(i).primary()).getBytes(StandardCharsets.UTF_8);
    }
    this.fullNameScopes = new ByteKeyMap<>(fullNames);
    this.clusterLabelScopes = new ByteKeyMap<>(clusterLabels);
    this.routeLabelScopes = new ByteKeyMap<>(routeLabels);
    this.retention = longest;
  }

  /** The pairs of every Service that mirrors, with the analysis settings of its effective spec. */
  static StatPlan from(ModelBuild build) {
    return from(build, EMPTY);
  }

  /**
   * Like {@link #from(ModelBuild)}, but {@code previous} itself when the build has the same pairs with the
   * same settings: most builds change endpoints only (several a second under churn), and a plan indexes
   * every stat name of every pair.
   */
  static StatPlan from(ModelBuild build, StatPlan previous) {
    if (build == null) {
      return EMPTY;
    }
    List<MirrorPair> pairs = pairsOf(build);
    return pairs.equals(previous.given) ? previous : new StatPlan(pairs);
  }

  private static List<MirrorPair> pairsOf(ModelBuild build) {
    List<MirrorPair> pairs = new ArrayList<>();
    for (MirrorStatus status : build.statuses()) {
      AnalysisSettings settings = status.effective().map(MirrorSpec::analysis).orElse(AnalysisSettings.DEFAULT);
      status.targetsByPort().forEach((port, copies) -> {
        ClusterRef primary = new ClusterRef(status.service(), port);
        for (MirrorCopy copy : copies) {
          pairs.add(new MirrorPair(primary, copy.cluster(), settings));
        }
      });
    }
    return pairs;
  }

  /** {@code vhost.<virtual host>.route.<stat_prefix>}: neither part is sanitized. */
  static String routeScopeName(ClusterRef primary) {
    return "vhost." + ResourceNames.virtualHost(primary) + ".route." + ResourceNames.mirroredRouteStatPrefix(primary);
  }

  /** What {@code Stats::Utility::sanitizeStatsName} does to a cluster's stat name. */
  static String sanitize(String name) {
    String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    trimmed = trimmed.startsWith(".") ? trimmed.substring(1) : trimmed;
    return trimmed.replace("://", "_").replace(":/", "_").replace(":", "_").replace("\0", "_");
  }

  List<MirrorPair> pairs() {
    return pairs;
  }

  List<MirrorPair> pairs(ServiceRef service) {
    return pairsByService.getOrDefault(service, List.of());
  }

  List<StatScope> scopes() {
    return scopes;
  }

  StatScope scope(int index) {
    return scopes.get(index);
  }

  /** The longest window of any pair: how long stats are kept. */
  Duration retention() {
    return retention;
  }

  boolean isEmpty() {
    return scopes.isEmpty();
  }

  /** A family name that matters: a full name with its scope, or a tag-extracted name. */
  record NameMatch(FullNameMatch full, LabeledName labeled) {}

  /**
   * What the family name in {@code bytes[from, to)} is, or null when it does not matter. Most names fail on
   * the first byte or on one hash lookup: a tag-extracted name has its only dots in {@code cluster.} or
   * {@code vhost.route.}, a full name has more, so each name is looked up in one table only.
   */
  NameMatch match(byte[] bytes, int from, int to) {
    if (to - from < 8 || (bytes[from] != 'c' && bytes[from] != 'v')) {
      return null;
    }
    int dot = to - 1;
    while (dot > from && bytes[dot] != '.') {
      dot--;
    }
    if (dot <= from) {
      return null;
    }
    if (dot == from + (bytes[from] == 'c' ? 7 : 11)) {
      LabeledName labeled = LABELED_NAMES.get(bytes, from, to);
      return labeled == null ? null : new NameMatch(null, labeled);
    }
    FullNameMatch full = matchFullName(bytes, from, dot, to);
    return full == null ? null : new NameMatch(full, null);
  }

  /** The scope and stat of a full (label-free) stat name whose last dot is at {@code dot}; null if none. */
  private FullNameMatch matchFullName(byte[] bytes, int from, int dot, int to) {
    Integer scope = fullNameScopes.get(bytes, from, dot);
    if (scope == null) {
      return null;
    }
    Stat stat = LEAVES.get(bytes, dot + 1, to);
    if (stat == null && isResponseCodeLeaf(bytes, dot + 1, to)) {
      stat = Stat.RESPONSE_CODE;
    }
    return stat == null ? null : new FullNameMatch(scope, stat);
  }

  record FullNameMatch(int scope, Stat stat) {}

  /** The scope whose mirror cluster has this {@code envoy.cluster_name}, or -1. */
  int clusterLabelScope(byte[] bytes, int from, int to) {
    Integer scope = clusterLabelScopes.get(bytes, from, to);
    return scope == null ? -1 : scope;
  }

  /** The production scope with this {@code envoy.route} and {@code envoy.virtual_host}, or -1. */
  int routeLabelScope(byte[] bytes, int routeFrom, int routeTo, int hostFrom, int hostTo) {
    Integer scope = routeLabelScopes.get(bytes, routeFrom, routeTo);
    if (scope == null) {
      return -1;
    }
    byte[] host = virtualHosts[scope];
    return java.util.Arrays.equals(host, 0, host.length, bytes, hostFrom, hostTo) ? scope : -1;
  }

  private static final byte[] CODE_PREFIX = "upstream_rq_".getBytes(StandardCharsets.US_ASCII);

  private static boolean isResponseCodeLeaf(byte[] bytes, int from, int to) {
    // upstream_rq_<three digits>
    if (to - from != 15) {
      return false;
    }
    if (!java.util.Arrays.equals(CODE_PREFIX, 0, 12, bytes, from, from + 12)) {
      return false;
    }
    for (int i = from + 12; i < to; i++) {
      if (bytes[i] < '0' || bytes[i] > '9') {
        return false;
      }
    }
    return true;
  }
}
