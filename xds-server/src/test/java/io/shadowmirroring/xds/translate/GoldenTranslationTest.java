package io.shadowmirroring.xds.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.google.protobuf.Message;
import io.shadowmirroring.envoyconstraints.EnvoyConstraints;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.ModelBuild;
import io.shadowmirroring.xds.source.YamlManifests;
import io.shadowmirroring.xds.testing.EnvoyResources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each directory under {@code src/test/resources/golden/} is one case: {@code in.yaml} holds Services
 * and EndpointSlices (read as the YAML directory source reads them), {@code out/<profile>/*.yaml} the
 * resources served for them to Envoy ({@code envoy}, listener port 10000) and to proxyless gRPC
 * clients ({@code grpc}), and {@code out/problems.txt} the problems reported, one per line. The cases in
 * {@link #RTDS_CASES} also have {@code out/envoy-rtds/}: what an Envoy whose bootstrap has the runtime layer
 * gets, its mirror percentages in {@code runtimes.yaml} (the RTDS layer) and a fixed default in its routes.
 *
 * <p>After an intended change of the output, regenerate every case with
 * {@code mvn -f xds-server/pom.xml test -Dtest=GoldenTranslationTest -Dgolden.update=true} and review
 * the diff. A new case needs only its {@code in.yaml}.
 */
@DisplayName("Golden files: in.yaml translates to the expected listeners, routes, clusters and endpoints")
class GoldenTranslationTest {
  private static final boolean UPDATE = Boolean.getBoolean("golden.update");
  private static final Path ROOT =
      Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolve("src/test/resources/golden");
  private static final Map<String, ProxyProfile> PROFILES = Map.of("envoy", ProxyProfile.envoy(10000),
      "grpc", ProxyProfile.grpc(), "envoy-rtds", ProxyProfile.envoy(10000).withRuntimeLayer(true));
  private static final String RTDS_PROFILE = "envoy-rtds";
  /** The cases also translated for {@link #RTDS_PROFILE}: enough mirrors and percentages to show the layer. */
  private static final List<String> RTDS_CASES =
      List.of("basic-mirror", "percentage-and-methods", "multi-target-promote", "invalid-annotation");
  private static final String PROBLEMS = "problems.txt";

  /** The cases the specification asks for; more may be added freely. */
  private static final List<String> REQUIRED_CASES = List.of("basic-mirror", "percentage-and-methods",
      "multi-target-promote", "named-target-port", "no-endpoints", "multi-namespace-domains",
      "invalid-annotation", "grpc-port", "mirror-limits-and-analysis");

  static List<String> caseNames() throws IOException {
    try (Stream<Path> dirs = Files.list(ROOT)) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList();
    }
  }

  static Stream<Arguments> casesAndProfiles() throws IOException {
    return caseNames().stream()
        .flatMap(name -> profilesOf(name).stream().map(profile -> arguments(name, profile)));
  }

  private static List<String> profilesOf(String caseName) {
    return PROFILES.keySet().stream().sorted()
        .filter(profile -> !profile.equals(RTDS_PROFILE) || RTDS_CASES.contains(caseName)).toList();
  }

  private static final Map<String, Map<String, String>> OUTPUTS = new ConcurrentHashMap<>();

  /** Every output file of a case, by its path under {@code out/}; computed once per case. */
  private static Map<String, String> outputs(String caseName) throws Exception {
    Map<String, String> cached = OUTPUTS.get(caseName);
    if (cached == null) {
      cached = Collections.unmodifiableMap(translateCase(caseName));
      OUTPUTS.put(caseName, cached);
    }
    return cached;
  }

  private static Map<String, String> translateCase(String caseName) throws Exception {
    String input = Files.readString(ROOT.resolve(caseName).resolve("in.yaml"), StandardCharsets.UTF_8);
    YamlManifests.Contents contents = new YamlManifests().parse(input);
    ModelBuild build = new MeshModelBuilder().build(new Inventory(contents.services(), contents.endpointSlices()));

    Map<String, String> files = new TreeMap<>();
    for (String profile : profilesOf(caseName)) {
      XdsResources resources = new MeshTranslator().translate(build.model(), PROFILES.get(profile));
      files.put(profile + "/listeners.yaml", XdsYaml.toYaml(resources.listeners()));
      files.put(profile + "/routes.yaml", XdsYaml.toYaml(resources.routes()));
      files.put(profile + "/clusters.yaml", XdsYaml.toYaml(resources.clusters()));
      files.put(profile + "/endpoints.yaml", XdsYaml.toYaml(resources.endpoints()));
      if (!resources.runtimes().isEmpty()) {
        files.put(profile + "/runtimes.yaml", XdsYaml.toYaml(resources.runtimes()));
      }
    }
    files.put(PROBLEMS, Stream.concat(build.problems().stream().map(p -> p.message()),
            build.endpointProblems().stream().map(p -> p.message()))
        .map(line -> line + "\n").collect(Collectors.joining()));
    return files;
  }

  /** With {@code -Dgolden.update=true}, rewrites every case's out/ from scratch before comparing. */
  @BeforeAll
  static void regenerateWhenAsked() throws Exception {
    if (!UPDATE) {
      return;
    }
    for (String caseName : caseNames()) {
      Path out = ROOT.resolve(caseName).resolve("out");
      if (Files.exists(out)) {
        try (Stream<Path> stale = Files.walk(out)) {
          for (Path path : stale.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(path);
          }
        }
      }
      for (Map.Entry<String, String> file : outputs(caseName).entrySet()) {
        Path path = out.resolve(file.getKey());
        Files.createDirectories(path.getParent());
        Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
      }
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("casesAndProfiles")
  void resourcesMatchTheGoldenFiles(String caseName, String profile) throws Exception {
    Map<String, String> actual = new TreeMap<>(outputs(caseName));
    actual.keySet().removeIf(path -> !path.startsWith(profile + "/"));
    assertThat(actual).as("%s translated for %s", caseName, profile).isNotEmpty();

    compareWithGoldenFiles(caseName, actual);
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("casesAndProfiles")
  @DisplayName("every resource passes Envoy's proto constraints")
  void everyResourcePassesEnvoysProtoConstraints(String caseName, String profile) throws Exception {
    String input = Files.readString(ROOT.resolve(caseName).resolve("in.yaml"), StandardCharsets.UTF_8);
    YamlManifests.Contents contents = new YamlManifests().parse(input);
    ModelBuild build = new MeshModelBuilder().build(new Inventory(contents.services(), contents.endpointSlices()));
    XdsResources resources = new MeshTranslator().translate(build.model(), PROFILES.get(profile));

    List<Message> all = EnvoyResources.all(resources);
    assertThat(all).as("the case produces resources").isNotEmpty();
    all.forEach(EnvoyConstraints::assertValid);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  void reportedProblemsMatchTheGoldenFile(String caseName) throws Exception {
    compareWithGoldenFiles(caseName, Map.of(PROBLEMS, outputs(caseName).get(PROBLEMS)));
  }

  private static void compareWithGoldenFiles(String caseName, Map<String, String> actual) throws IOException {
    Path out = ROOT.resolve(caseName).resolve("out");
    SoftAssertions softly = new SoftAssertions();
    for (Map.Entry<String, String> file : actual.entrySet()) {
      Path golden = out.resolve(file.getKey());
      if (!Files.exists(golden)) {
        softly.fail("%s is missing; create it with -Dgolden.update=true", golden);
        continue;
      }
      softly.assertThat(file.getValue())
          .as("%s (if the change is intended, regenerate with -Dgolden.update=true)", golden)
          .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
    }
    softly.assertAll();
  }

  @Test
  void everyRequiredCaseExists() throws IOException {
    assertThat(caseNames()).containsAll(REQUIRED_CASES).containsAll(RTDS_CASES);
  }

  @Test
  void theRtdsProfileHasItsRuntimeLayerInTheGoldenFiles() throws Exception {
    for (String caseName : RTDS_CASES) {
      assertThat(outputs(caseName)).as(caseName).containsKey(RTDS_PROFILE + "/runtimes.yaml");
      assertThat(outputs(caseName)).as(caseName).doesNotContainKey("envoy/runtimes.yaml");
    }
    assertThat(outputs("basic-mirror").get(RTDS_PROFILE + "/runtimes.yaml"))
        .contains("name: shadow-mirroring")
        .contains("denominator: MILLION");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("caseNames")
  void everyCaseSaysWhatItSpecifiesAndHasNoStaleOutput(String caseName) throws Exception {
    Path dir = ROOT.resolve(caseName);
    assertThat(Files.readString(dir.resolve("in.yaml"), StandardCharsets.UTF_8))
        .as("%s/in.yaml opens with a comment saying what the case specifies", caseName)
        .startsWith("# ");
    try (Stream<Path> files = Files.walk(dir.resolve("out"))) {
      assertThat(files.filter(Files::isRegularFile).map(f -> dir.resolve("out").relativize(f).toString()))
          .as("the files in %s/out; delete stale ones or regenerate with -Dgolden.update=true", caseName)
          .containsExactlyInAnyOrderElementsOf(outputs(caseName).keySet());
    }
  }
}
