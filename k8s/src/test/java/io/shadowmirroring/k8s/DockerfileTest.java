package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two Dockerfiles, read as instructions (no Docker here): built in one stage, run from a
 * JRE-only stage as a numeric non-root user with an explicit entrypoint.
 */
class DockerfileTest {

  /** One instruction, continuation lines joined and comments dropped. */
  record Instruction(String keyword, String arguments) {
  }

  /** A Dockerfile and what its final image must run. */
  record Image(String path, String jar, List<Integer> ports) {
    List<List<Instruction>> stages() {
      List<List<Instruction>> stages = new ArrayList<>();
      for (Instruction instruction : parse(RepoFiles.read(RepoFiles.root().resolve(path)))) {
        if (instruction.keyword().equals("FROM")) {
          stages.add(new ArrayList<>());
        }
        stages.get(stages.size() - 1).add(instruction);
      }
      return stages;
    }

    List<Instruction> finalStage() {
      List<List<Instruction>> stages = stages();
      return stages.get(stages.size() - 1);
    }

    @Override
    public String toString() {
      return path;
    }
  }

  static Stream<Image> images() {
    return Stream.of(
        new Image("xds-server/Dockerfile", "/app/xds-server.jar", List.of(18000, 18001, 18080)),
        new Image("demo-app/Dockerfile", "/app/demo-app.jar", List.of(8080)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void buildsInOneStageAndRunsFromAJreOnlyImage(Image image) {
    assertThat(image.stages()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(image.finalStage().get(0).arguments()).matches("eclipse-temurin:17-jre(\\S*)?");
    assertThat(image.finalStage())
        .filteredOn(i -> i.keyword().equals("RUN"))
        .noneMatch(i -> i.arguments().matches(".*\\b(mvn|javac|apt-get install)\\b.*"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void runsAsANumericNonRootUser(Image image) {
    List<String> users = image.finalStage().stream()
        .filter(i -> i.keyword().equals("USER")).map(Instruction::arguments).toList();

    assertThat(users).isNotEmpty();
    assertThat(users.get(users.size() - 1)).matches("[1-9][0-9]*(:[0-9]+)?");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("images")
  void hasAnExecFormEntrypointRunningItsJarAndExposesItsPorts(Image image) {
    List<Instruction> last = image.finalStage();

    assertThat(last).filteredOn(i -> i.keyword().equals("ENTRYPOINT")).singleElement()
        .satisfies(i -> assertThat(i.arguments()).startsWith("[\"java\"").endsWith("\"-jar\", \"" + image.jar() + "\"]"));
    assertThat(last).filteredOn(i -> i.keyword().equals("COPY"))
        .anySatisfy(i -> assertThat(i.arguments()).startsWith("--from=build").endsWith(image.jar()));
    assertThat(last).filteredOn(i -> i.keyword().equals("EXPOSE")).singleElement()
        .satisfies(i -> assertThat(i.arguments().split(" "))
            .containsExactlyElementsOf(image.ports().stream().map(String::valueOf).toList()));
  }

  @Test
  void theXdsServerImageBuildsItsModuleWithTheReactorAndCopiesTheShadedJar() {
    Image xds = images().filter(i -> i.path().startsWith("xds-server")).findFirst().orElseThrow();
    List<Instruction> build = xds.stages().get(0);

    assertThat(build.get(0).arguments()).startsWith("maven:").contains("17");
    assertThat(build).filteredOn(i -> i.keyword().equals("RUN"))
        .anySatisfy(i -> assertThat(i.arguments()).contains("mvn -B -ntp -pl xds-server -am").contains("package")
            .contains("-DskipTests"));
    assertThat(xds.finalStage()).filteredOn(i -> i.keyword().equals("COPY"))
        .anySatisfy(i -> assertThat(i.arguments()).contains("/src/xds-server/target/xds-server.jar"));
  }

  @Test
  void theDemoAppImageStartsTheClassItsJarManifestNames() {
    Image app = images().filter(i -> i.path().startsWith("demo-app")).findFirst().orElseThrow();

    assertThat(app.stages().get(0)).filteredOn(i -> i.keyword().equals("RUN"))
        .anySatisfy(i -> assertThat(i.arguments()).contains("--main-class io.shadowmirroring.demo.Main"));
    assertThat(Files.exists(RepoFiles.root().resolve("demo-app/src/main/java/io/shadowmirroring/demo/Main.java")))
        .isTrue();
  }

  static List<Instruction> parse(String dockerfile) {
    List<Instruction> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : dockerfile.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("#") || (line.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      String text = current.toString().strip().replaceAll("\\s+", " ");
      current.setLength(0);
      int space = text.indexOf(' ');
      instructions.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1)));
    }
    return instructions;
  }
}
