package io.shadowmirroring.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.shadowmirroring.envoyconstraints.EnvoyConstraints;
import io.shadowmirroring.xds.translate.XdsYaml;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * envoy-configs/static-envoy.yaml is generated from the bundled example, never written by hand; this
 * keeps it in sync. Regenerate with -Dgolden.update=true (or the command in the file's header).
 */
class StaticEnvoyConfigTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path EXAMPLE = ROOT.resolve("examples/shadow-demo");
  private static final Path STATIC_CONFIG = ROOT.resolve("envoy-configs/static-envoy.yaml");

  @Test
  @DisplayName("envoy-configs/static-envoy.yaml equals the server's output for examples/shadow-demo")
  void staticConfigIsInSync() throws Exception {
    ByteArrayOutputStream problems = new ByteArrayOutputStream();
    String generated = StaticConfigPrinter.render(EXAMPLE, 10000,
        new PrintStream(problems, true, StandardCharsets.UTF_8));
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(STATIC_CONFIG, generated);
    }

    assertThat(problems.toString(StandardCharsets.UTF_8)).as("the example has no invalid annotations").isEmpty();
    assertThat(Files.readString(STATIC_CONFIG)).as("regenerate with: " + StaticConfigPrinter.COMMAND)
        .isEqualTo(generated);
  }

  @Test
  @DisplayName("the static config passes Envoy's proto constraints")
  void staticConfigPassesEnvoysProtoConstraints() throws Exception {
    Object yaml = new Yaml().load(Files.readString(STATIC_CONFIG));
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(XdsYaml.TYPE_REGISTRY).merge(new Gson().toJson(yaml), bootstrap);

    EnvoyConstraints.assertValid(bootstrap.build());
  }

  @Test
  @DisplayName("the static config is a strict Envoy bootstrap with static clusters and the mirror policy inline")
  void staticConfigIsAStrictBootstrap() throws Exception {
    Object yaml = new Yaml().load(Files.readString(STATIC_CONFIG));
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(XdsYaml.TYPE_REGISTRY).merge(new Gson().toJson(yaml), bootstrap);

    assertThat(bootstrap.getStaticResources().getClustersList())
        .extracting(Cluster::getName, Cluster::getType)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("shadow-demo/app-service:80", Cluster.DiscoveryType.STATIC),
            org.assertj.core.groups.Tuple.tuple("shadow-demo/app-shadow-service:80", Cluster.DiscoveryType.STATIC));
    assertThat(bootstrap.hasDynamicResources()).isFalse();
    assertThat(Files.readString(STATIC_CONFIG)).contains("request_mirror_policies",
        "cluster: shadow-demo/app-shadow-service:80");
  }
}
