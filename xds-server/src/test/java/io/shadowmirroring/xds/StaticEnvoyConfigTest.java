package io.shadowmirroring.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.Gson;
import com.google.protobuf.Duration;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.metrics.v3.MetricsServiceConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
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
  private static final String MIRROR = "mirror/shadow-demo/app-service:80/shadow-demo/app-shadow-service:80";

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
            org.assertj.core.groups.Tuple.tuple(MIRROR, Cluster.DiscoveryType.STATIC),
            org.assertj.core.groups.Tuple.tuple("shadow-demo/app-service:80", Cluster.DiscoveryType.STATIC),
            org.assertj.core.groups.Tuple.tuple("shadow-demo/app-shadow-service:80", Cluster.DiscoveryType.STATIC),
            org.assertj.core.groups.Tuple.tuple("xds_cluster", Cluster.DiscoveryType.STATIC));
    Cluster mirror = bootstrap.getStaticResources().getClusters(0);
    Cluster shadow = bootstrap.getStaticResources().getClusters(2);
    assertThat(mirror.getLoadAssignment().getEndpointsList()).as("the mirror cluster reaches the shadow's endpoints")
        .isNotEmpty().isEqualTo(shadow.getLoadAssignment().getEndpointsList());
    assertThat(mirror.getLoadAssignment().getClusterName()).isEqualTo(MIRROR);
    assertThat(bootstrap.hasDynamicResources()).isFalse();
    assertThat(Files.readString(STATIC_CONFIG)).contains("request_mirror_policies", "cluster: " + MIRROR);
  }

  @Test
  @DisplayName("the static config sends Envoy's stats every 5 s to the server's metrics service over xds_cluster")
  void staticConfigHasTheMetricsServiceSink() throws Exception {
    Object yaml = new Yaml().load(Files.readString(STATIC_CONFIG));
    Bootstrap.Builder bootstrap = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(XdsYaml.TYPE_REGISTRY).merge(new Gson().toJson(yaml), bootstrap);

    assertThat(bootstrap.getStatsSinksList()).singleElement().satisfies(sink -> {
      assertThat(sink.getName()).isEqualTo("envoy.stat_sinks.metrics_service");
      MetricsServiceConfig config = sink.getTypedConfig().unpack(MetricsServiceConfig.class);
      assertThat(config.getTransportApiVersion()).isEqualTo(ApiVersion.V3);
      assertThat(config.getGrpcService().getEnvoyGrpc().getClusterName()).isEqualTo("xds_cluster");
      assertThat(config.hasReportCountersAsDeltas()).as("counters stay cumulative (the default)").isFalse();
      assertThat(config.getEmitTagsAsLabels()).as("tags stay in the names (the default)").isFalse();
    });
    assertThat(bootstrap.getStatsFlushInterval()).isEqualTo(Duration.newBuilder().setSeconds(5).build());
    Cluster xds = bootstrap.getStaticResources().getClustersList().stream()
        .filter(c -> c.getName().equals("xds_cluster")).findFirst().orElseThrow();
    var address = xds.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
    assertThat(address.getAddress() + ":" + address.getPortValue()).isEqualTo("127.0.0.1:18000");
    assertThat(xds.getTypedExtensionProtocolOptionsOrThrow("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(HttpProtocolOptions.class).getExplicitHttpConfig().hasHttp2ProtocolOptions())
        .as("gRPC needs HTTP/2").isTrue();
  }
}
