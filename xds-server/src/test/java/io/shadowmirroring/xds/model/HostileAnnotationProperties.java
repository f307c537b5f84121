package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.Fixtures.service;
import static io.shadowmirroring.xds.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Hostile annotation values, 10,000 generated for every key: arbitrary unicode, huge strings, numbers
 * at the edges, near-valid syntax (valid values with a few characters inserted, removed or swapped) and
 * lists of many items. For each value:
 *
 * <ul>
 *   <li>nothing but {@link InvalidMirrorConfigException} leaves the parser, and nothing at all the model
 *       builder;
 *   <li>every error names the key (its message starts with {@code key="}) and is one line;
 *   <li>every other Service's translated resources are byte-identical to those of a model without the
 *       hostile Service (checked for every tenth value, 1,000 per key: translation is what costs time).
 * </ul>
 */
class HostileAnnotationProperties {
  private static final int TRIES = 10_000;
  /** Every this many values, the translation is compared too: 1,000 per key keeps the run short. */
  private static final int TRANSLATE_EVERY = 10;
  private static final ServiceRef HOSTILE = new ServiceRef("shop", "hostile");
  private static final String LINE_BREAKS = "[\\n\\r\\u000B\\u000C\\u0085\\u2028\\u2029]";
  private static final ProxyProfile PROFILE = ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, "shop");

  private static final List<ServiceInput> OTHERS = List.of(
      service("shop", "cart").port("http", 80).mirrorTo("cart-v2").percentage("10").build(),
      service("shop", "cart-v2").port("http", 80).build(),
      service("shop", "catalog").port("http", 80).port("grpc", 9090, "grpc").build(),
      service("ops", "metrics").port("web", 8080).build());
  private static final List<EndpointSliceInput> SLICES = List.of(
      slice("shop", "cart-1", "cart").port("http", 8080).ready("10.0.0.1").build(),
      slice("shop", "cart-v2-1", "cart-v2").port("http", 8080).ready("10.0.0.2").build(),
      slice("shop", "hostile-1", "hostile").port("http", 8080).ready("10.0.0.9").build());

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();
  private static final Map<String, Long> CPU_NANOS = new java.util.concurrent.ConcurrentHashMap<>();
  private static final java.util.concurrent.atomic.AtomicInteger TRANSLATIONS_COMPARED =
      new java.util.concurrent.atomic.AtomicInteger();

  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MeshModelBuilder builder = new MeshModelBuilder();
  private final MeshTranslator translator = new MeshTranslator();
  // Static: the count must run across tries whatever instance jqwik gives each of them.
  private static final java.util.concurrent.atomic.AtomicLong TRIED = new java.util.concurrent.atomic.AtomicLong();
  private final List<ByteString> othersAlone = othersOf(
      translator.translate(builder.build(new Inventory(OTHERS, SLICES)).model(), PROFILE));

  @Property(tries = TRIES) @Label("mirror-to")
  void mirrorTo(@ForAll("mirrorToValues") String value) {
    checkHostile(MirrorAnnotations.MIRROR_TO, value);
  }

  @Property(tries = TRIES) @Label("mirror-percentage")
  void mirrorPercentage(@ForAll("percentageValues") String value) {
    checkHostile(MirrorAnnotations.MIRROR_PERCENTAGE, value);
  }

  @Property(tries = TRIES) @Label("mirror-methods")
  void mirrorMethods(@ForAll("methodValues") String value) {
    checkHostile(MirrorAnnotations.MIRROR_METHODS, value);
  }

  @Property(tries = TRIES) @Label("promote")
  void promote(@ForAll("promoteValues") String value) {
    checkHostile(MirrorAnnotations.PROMOTE, value);
  }

  @Property(tries = TRIES) @Label("keep-host")
  void keepHost(@ForAll("flagValues") String value) {
    checkHostile(MirrorAnnotations.KEEP_HOST, value);
  }

  @Property(tries = TRIES) @Label("mirror-limits")
  void mirrorLimits(@ForAll("limitValues") String value) {
    checkHostile(MirrorAnnotations.MIRROR_LIMITS, value);
  }

  @Property(tries = TRIES) @Label("analysis")
  void analysis(@ForAll("analysisValues") String value) {
    checkHostile(MirrorAnnotations.ANALYSIS, value);
  }

  @Property(tries = TRIES) @Label("auto-promote")
  void autoPromote(@ForAll("flagValues") String value) {
    checkHostile(MirrorAnnotations.AUTO_PROMOTE, value);
  }

  @Property(tries = TRIES) @Label("auto-abort")
  void autoAbort(@ForAll("flagValues") String value) {
    checkHostile(MirrorAnnotations.AUTO_ABORT, value);
  }

  @Property(tries = TRIES) @Label("expose")
  void expose(@ForAll("flagValues") String value) {
    checkHostile(MirrorAnnotations.EXPOSE, value);
  }

  @net.jqwik.api.Example @Label("a key with no value (YAML \"key:\" is a null) reads as the empty string, for every key")
  void nullValues() {
    for (String key : MirrorAnnotations.KNOWN_KEYS) {
      Map<String, String> annotations = new HashMap<>();
      annotations.put(key, null);
      ServiceInput hostile = new ServiceInput(HOSTILE, annotations, List.of(new ServicePort("http", 80, "TCP", "")));
      assertThat(hostile.annotations()).containsEntry(key, "");
      checkHostile(key, "");
    }
  }

  private void checkHostile(String key, String value) {
    long start = THREADS.getCurrentThreadCpuTime();
    try {
      checkHostileValue(key, value);
    } finally {
      CPU_NANOS.merge(key, THREADS.getCurrentThreadCpuTime() - start, Long::sum);
    }
  }

  /** The CPU time the checks took (not the generation), printed once all keys are done. */
  @net.jqwik.api.lifecycle.AfterContainer
  static void printCpuTime() {
    System.out.printf("hostile annotations: %d keys x %d values, %d translations compared, checks took %d ms of CPU%n",
        CPU_NANOS.size(), TRIES, TRANSLATIONS_COMPARED.get(),
        CPU_NANOS.values().stream().mapToLong(Long::longValue).sum() / 1_000_000);
  }

  private void checkHostileValue(String key, String value) {
    Map<String, String> annotations = new HashMap<>();
    // promote is only read next to mirror-to; every other key is checked on its own.
    if (key.equals(MirrorAnnotations.PROMOTE)) {
      annotations.put(MirrorAnnotations.MIRROR_TO, "cart-v2,catalog:grpc");
    }
    annotations.put(key, value);
    ServiceInput hostile = new ServiceInput(HOSTILE, annotations,
        List.of(new ServicePort("http", 80, "TCP", "")));

    try {
      parser.parse(HOSTILE, hostile.annotations());
    } catch (InvalidMirrorConfigException e) {
      assertThat(e.key()).isEqualTo(key);
      assertThat(e.getMessage()).startsWith(key + "=\"").doesNotContainPattern(LINE_BREAKS);
    }

    List<ServiceInput> services = new ArrayList<>(OTHERS);
    services.add(hostile);
    ModelBuild build = builder.build(new Inventory(services, SLICES));
    MirrorStatus status = build.statuses().stream().filter(s -> s.service().equals(HOSTILE)).findFirst().orElseThrow();
    if (status.state() == MirrorStatus.State.INVALID) {
      assertThat(status.error()).startsWith(key + "=\"");
      assertThat(build.problems()).singleElement().satisfies(p -> assertThat(p.message())
          .startsWith("invalid mirror config on service shop/hostile: " + key + "=\"")
          .doesNotContainPattern(LINE_BREAKS));
    } else {
      assertThat(build.problems()).isEmpty();
    }

    if (TRIED.incrementAndGet() % TRANSLATE_EVERY == 0) {
      TRANSLATIONS_COMPARED.incrementAndGet();
      assertThat(othersOf(translator.translate(build.model(), PROFILE))).isEqualTo(othersAlone);
    }
  }

  /** The serialized resources that are not the hostile Service's (nor its mirror clusters). */
  private static List<ByteString> othersOf(XdsResources resources) {
    Stream<Message> clusters = resources.clusters().stream()
        .filter(c -> !c.getName().contains("shop/hostile:")).map(Message.class::cast);
    Stream<Message> endpoints = resources.endpoints().stream()
        .filter(c -> !c.getClusterName().contains("shop/hostile:")).map(Message.class::cast);
    Stream<Message> hosts = resources.routes().stream().flatMap(r -> r.getVirtualHostsList().stream())
        .filter(v -> !v.getName().startsWith("shop_hostile_")).map(Message.class::cast);
    Stream<Message> listeners = resources.listeners().stream().map(Message.class::cast);
    return Stream.of(clusters, endpoints, hosts, listeners).flatMap(s -> s)
        .map(Message::toByteString).toList();
  }

  // ---- generators ----

  @Provide
  Arbitrary<String> mirrorToValues() {
    return hostile(List.of("cart-v2", "cart-v2,catalog", "shop/cart-v2:80=12.5", "catalog:grpc=1,ops/metrics:web",
        "ops/metrics", "cart-v2:http=100"),
        Arbitraries.of("cart-v2", "catalog", "ops/metrics", "hostile", "shop/cart-v2:80", "x=5", "a:b=c", "ns/svc:port=pct"));
  }

  @Provide
  Arbitrary<String> percentageValues() {
    return hostile(List.of("0", "100", "12.5", "0.0001", "99.9999", "50"), Arbitraries.of("1", "2.5", "100"));
  }

  @Provide
  Arbitrary<String> methodValues() {
    return hostile(List.of("GET", "GET,HEAD,OPTIONS", "*", "POST", "get, post", "PATCH,DELETE"),
        Arbitraries.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "*", "X-CUSTOM"));
  }

  @Provide
  Arbitrary<String> promoteValues() {
    return hostile(List.of("cart-v2", "shop/cart-v2", "catalog", "shop/catalog"),
        Arbitraries.of("cart-v2", "shop/cart-v2", "catalog", "/", "a/b/c"));
  }

  @Provide
  Arbitrary<String> flagValues() {
    return hostile(List.of("true", "false", " true ", "false\n"), Arbitraries.of("true", "false", "TRUE", "1", "yes"));
  }

  @Provide
  Arbitrary<String> limitValues() {
    return hostile(List.of("max-connections=100", "max-connections=20,max-pending-requests=10",
        "max-requests=100000", "max-connections=1,max-pending-requests=1,max-requests=1"),
        Arbitraries.of("max-connections=5", "max-requests=100001", "max-pending-requests=0", "=", "max-connections="));
  }

  @Provide
  Arbitrary<String> analysisValues() {
    return hostile(List.of("window=5m", "window=10m,min-requests=500,max-p99-ratio=1.5,confidence=0.99",
        "max-error-rate-increase=0", "window=24h,max-p50-ratio=100", "confidence=0.5"),
        Arbitraries.of("window=1m", "min-requests=1", "confidence=0.9999", "window=99999h", "max-p50-ratio=1e2"));
  }

  /**
   * A mix of: arbitrary unicode, huge strings around and far beyond the length limit, numbers at the
   * edges, near-valid values, lists of many items, and the valid values themselves.
   */
  private static Arbitrary<String> hostile(List<String> valid, Arbitrary<String> items) {
    Arbitrary<String> validValues = Arbitraries.of(valid);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(20, Arbitraries.strings().all().ofMaxLength(40)),
        net.jqwik.api.Tuple.of(5, huge(validValues)),
        net.jqwik.api.Tuple.of(15, edgeNumbers()),
        net.jqwik.api.Tuple.of(30, nearValid(validValues)),
        net.jqwik.api.Tuple.of(15, manyItems(items)),
        net.jqwik.api.Tuple.of(15, validValues));
  }

  private static Arbitrary<String> huge(Arbitrary<String> valid) {
    Arbitrary<String> aroundTheLimit = Arbitraries.strings().withChars("abc-/:=,.0123456789 ")
        .ofMinLength(MirrorAnnotations.MAX_VALUE_LENGTH - 8).ofMaxLength(MirrorAnnotations.MAX_VALUE_LENGTH + 8);
    Arbitrary<String> repeated = Combinators.combine(valid, Arbitraries.integers().between(300, 1_000))
        .as((v, times) -> (v + ",").repeat(times));
    return Arbitraries.oneOf(aroundTheLimit, repeated);
  }

  private static Arbitrary<String> edgeNumbers() {
    Arbitrary<String> fixed = Arbitraries.of("0", "-0", "00", "000100", "100", "100.0000", "100.00001", "100.0001",
        "0.0001", "0.00001", "-1", "+100", "100.", ".5", "1e2", "1E2", "1e-9", "NaN", "Infinity", "-Infinity",
        "0x64", "1_000", "2147483647", "2147483648", "-2147483648", "9223372036854775807", "9223372036854775808",
        "99999999999999999999999", "١٠٠", "٥٠", "１００", "½", "Ⅻ", "100000", "100001", "65535", "65536",
        "0.5", "0.9999", "0.99999", "1.0000000001", " 100 ", "\t50\n", "100%", "50 %");
    Arbitrary<String> integers = Arbitraries.longs().map(String::valueOf);
    Arbitrary<String> decimals = Arbitraries.bigDecimals().between(new java.math.BigDecimal("-1000"),
        new java.math.BigDecimal("1000")).ofScale(6).map(java.math.BigDecimal::toPlainString);
    Arbitrary<String> doubles = Arbitraries.doubles().map(String::valueOf);
    return Arbitraries.oneOf(fixed, integers, decimals, doubles);
  }

  /** A valid value with one to three characters inserted, removed or replaced. */
  private static Arbitrary<String> nearValid(Arbitrary<String> valid) {
    Arbitrary<Character> odd = Arbitraries.oneOf(
        Arbitraries.of(',', '=', '/', ':', '.', ' ', '\n', '\t', '\u0000', '*', '-', '%', '"', '\u200B', '\u2028',
            'ı', 'İ', 'ſ', 'K'),
        Arbitraries.chars().all());
    Arbitrary<Mutation> mutation = Combinators.combine(Arbitraries.integers().between(0, 2),
        Arbitraries.integers().between(0, 1000), odd).as(Mutation::new);
    return Combinators.combine(valid, mutation.list().ofMinSize(1).ofMaxSize(3)).as((value, mutations) -> {
      StringBuilder text = new StringBuilder(value);
      for (Mutation m : mutations) {
        m.applyTo(text);
      }
      return text.toString();
    });
  }

  private record Mutation(int kind, int position, char character) {
    void applyTo(StringBuilder text) {
      int at = text.isEmpty() ? 0 : position % (text.length() + 1);
      switch (kind) {
        case 0 -> text.insert(at, character);
        case 1 -> {
          if (at < text.length()) {
            text.deleteCharAt(at);
          }
        }
        default -> {
          if (at < text.length()) {
            text.setCharAt(at, character);
          }
        }
      }
    }
  }

  private static Arbitrary<String> manyItems(Arbitrary<String> items) {
    return Combinators.combine(items.list().ofMinSize(2).ofMaxSize(150), Arbitraries.of(",", ", ", " ,", ",,"))
        .as((list, separator) -> String.join(separator, list));
  }

}
