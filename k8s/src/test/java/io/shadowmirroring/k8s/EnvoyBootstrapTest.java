package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.metrics.v3.MetricsServiceConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.shadowmirroring.envoyconstraints.EnvoyConstraints;
import io.shadowmirroring.xds.translate.ResourceNames;
import io.shadowmirroring.xds.xds.NodeClassifier;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The Envoy bootstraps in envoy-configs/, in the manifests' ConfigMap, and the one the chart renders. */
class EnvoyBootstrapTest {

  /** A bootstrap, where it comes from, and where it must find the xds-server. */
  record Source(String name, String yaml, String xdsHost) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Source> bootstraps() {
    String inCluster = "xds-server.shadow-mirroring.svc.cluster.local";
    return Stream.of(
        new Source("envoy-configs/front-proxy.yaml", RepoFiles.read(RepoFiles.envoyConfig("front-proxy.yaml")), inCluster),
        new Source("envoy-configs/sidecar.yaml", RepoFiles.read(RepoFiles.envoyConfig("sidecar.yaml")), inCluster),
        new Source("envoy-configs/local.yaml", RepoFiles.read(RepoFiles.envoyConfig("local.yaml")), "127.0.0.1"),
        new Source("helm chart envoy-config", helmBootstrap(Map.of()), "xds-server.shadow-demo.svc.cluster.local"),
        new Source("helm chart envoy-config, external xds-server", helmBootstrap(Map.of(
            "xdsServer.enabled", "false", "envoy.xdsAddress", inCluster + ":18000")), inCluster),
        new Source("k8s/manifests/envoy.yaml ConfigMap envoy-config",
            KubeObjects.manifests().get(ConfigMap.class, "envoy-config").getData().get("envoy.yaml"), inCluster));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void passesEnvoysProtoConstraints(Source source) throws Exception {
    EnvoyConstraints.assertValid(EnvoyBootstrap.parse(source.yaml()));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SeedStep.class)
  void theBootstrapTheChartRendersAtEachSeedStepPassesEnvoysProtoConstraints(SeedStep step) throws Exception {
    String yaml = HelmChart.render(step).get(ConfigMap.class, "envoy-config").getData().get("envoy.yaml");

    EnvoyConstraints.assertValid(EnvoyBootstrap.parse(yaml));
  }

  @Test
  void theProtoConstraintsRejectABootstrapThatBreaksOne() throws Exception {
    Bootstrap zeroTimeout = EnvoyBootstrap.parse(RepoFiles.read(RepoFiles.envoyConfig("local.yaml"))
        .replaceFirst("connect_timeout: [^\\n]+", "connect_timeout: 0s"));

    assertThatThrownBy(() -> EnvoyConstraints.assertValid(zeroTimeout))
        .hasMessageContaining(".envoy.config.cluster.v3.Cluster.connect_timeout: must be greater than");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void parsesStrictlyAsAnEnvoyV3Bootstrap(Source source) throws Exception {
    Bootstrap bootstrap = EnvoyBootstrap.parse(source.yaml());

    assertThat(bootstrap.getNode().getId()).isNotBlank();
    assertThat(bootstrap.getNode().getCluster()).isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void everyClusterItNamesIsOneItDefines(Source source) throws Exception {
    Bootstrap bootstrap = EnvoyBootstrap.parse(source.yaml());

    assertThat(EnvoyBootstrap.referencedClusters(bootstrap)).contains("xds_cluster")
        .isSubsetOf(EnvoyBootstrap.staticClusters(bootstrap));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void clustersAndListenersComeOverOneAdsGrpcStreamInV3(Source source) throws Exception {
    var dynamic = EnvoyBootstrap.parse(source.yaml()).getDynamicResources();

    assertThat(dynamic.getAdsConfig().getApiType()).isEqualTo(ApiConfigSource.ApiType.GRPC);
    assertThat(dynamic.getAdsConfig().getTransportApiVersion()).isEqualTo(ApiVersion.V3);
    assertThat(dynamic.getAdsConfig().getGrpcServicesList()).singleElement()
        .satisfies(g -> assertThat(g.getEnvoyGrpc().getClusterName()).isEqualTo("xds_cluster"));
    for (ConfigSource config : new ConfigSource[] {dynamic.getCdsConfig(), dynamic.getLdsConfig()}) {
      assertThat(config.hasAds()).isTrue();
      assertThat(config.getResourceApiVersion()).isEqualTo(ApiVersion.V3);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void theXdsClusterSpeaksHttp2ToTheXdsServerOnPort18000(Source source) throws Exception {
    Cluster xds = EnvoyBootstrap.parse(source.yaml()).getStaticResources().getClusters(0);
    SocketAddress address = xds.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint()
        .getAddress().getSocketAddress();

    assertThat(EnvoyBootstrap.protocolOptions(xds).getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    assertThat(address.getAddress()).isEqualTo(source.xdsHost());
    assertThat(address.getPortValue()).isEqualTo(18000);
    assertThat(xds.getType()).isEqualTo(source.xdsHost().equals("127.0.0.1")
        ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void envoysStatsGoEvery5sToTheXdsServersMetricsServiceOverTheXdsCluster(Source source) throws Exception {
    Bootstrap bootstrap = EnvoyBootstrap.parse(source.yaml());

    assertThat(bootstrap.getStatsSinksList()).singleElement().satisfies(sink -> {
      // The name Envoy registers the sink under: source/extensions/stat_sinks/metrics_service/config.h.
      assertThat(sink.getName()).isEqualTo("envoy.stat_sinks.metrics_service");
      MetricsServiceConfig config = sink.getTypedConfig().unpack(MetricsServiceConfig.class);
      assertThat(config.getTransportApiVersion()).isEqualTo(ApiVersion.V3);
      assertThat(config.getGrpcService().getEnvoyGrpc().getClusterName())
          .as("the cluster ADS uses, so the same server, port and transport").isEqualTo("xds_cluster");
      assertThat(config.hasReportCountersAsDeltas()).as("counters stay cumulative (the default)").isFalse();
      assertThat(config.getEmitTagsAsLabels()).as("tags stay in the names (the default)").isFalse();
    });
    assertThat(bootstrap.getStatsFlushInterval()).isEqualTo(Duration.newBuilder().setSeconds(5).build());
    assertThat(bootstrap.getDynamicResources().getAdsConfig().getGrpcServices(0).getEnvoyGrpc().getClusterName())
        .isEqualTo("xds_cluster");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void mirrorPercentagesComeInTheServersRtdsLayerOverAdsAndTheNodeSaysSo(Source source) throws Exception {
    Bootstrap bootstrap = EnvoyBootstrap.parse(source.yaml());

    assertThat(bootstrap.getNode().getMetadata().getFieldsOrThrow(NodeClassifier.RUNTIME_METADATA).getStringValue())
        .isEqualTo("rtds");
    assertThat(bootstrap.getLayeredRuntime().getLayersList()).extracting(RuntimeLayer::getName)
        .as("later layers win: the admin layer's /runtime_modify stays on top").containsExactly(
            ResourceNames.RUNTIME_LAYER, "admin");
    RuntimeLayer.RtdsLayer rtds = bootstrap.getLayeredRuntime().getLayers(0).getRtdsLayer();
    assertThat(rtds.getName()).as("the Runtime resource the server serves").isEqualTo(ResourceNames.RUNTIME_LAYER);
    assertThat(rtds.getRtdsConfig().hasAds()).as("over the ADS stream").isTrue();
    assertThat(rtds.getRtdsConfig().getResourceApiVersion()).isEqualTo(ApiVersion.V3);
    assertThat(rtds.getRtdsConfig().getInitialFetchTimeout()).isEqualTo(Duration.newBuilder().setSeconds(15).build());
    assertThat(bootstrap.getLayeredRuntime().getLayers(1).hasAdminLayer()).isTrue();
  }

  @Test
  void aSinkThatNamesAnUndefinedClusterIsFound() throws Exception {
    String dangling = RepoFiles.read(RepoFiles.envoyConfig("local.yaml"))
        .replace("grpc_service: {envoy_grpc: {cluster_name: xds_cluster}}", "grpc_service: {envoy_grpc: {cluster_name: metrics}}");

    Bootstrap bootstrap = EnvoyBootstrap.parse(dangling);

    assertThat(EnvoyBootstrap.referencedClusters(bootstrap)).as("found inside the sink's typed_config").contains("metrics");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bootstraps")
  void theAdminInterfaceListensOnLoopbackOnly(Source source) throws Exception {
    SocketAddress admin = EnvoyBootstrap.parse(source.yaml()).getAdmin().getAddress().getSocketAddress();

    assertThat(admin.getAddress()).isEqualTo("127.0.0.1");
    assertThat(admin.getPortValue()).isEqualTo(9901);
  }

  @Test
  void theSidecarAsksForItsListenerOnAnotherPortThroughNodeMetadata() throws Exception {
    Bootstrap sidecar = EnvoyBootstrap.parse(RepoFiles.read(RepoFiles.envoyConfig("sidecar.yaml")));
    Bootstrap front = EnvoyBootstrap.parse(RepoFiles.read(RepoFiles.envoyConfig("front-proxy.yaml")));

    assertThat(sidecar.getNode().getMetadata().getFieldsOrThrow("shadow-mirroring.io/listener-port").getNumberValue())
        .isEqualTo(15001);
    assertThat(front.getNode().getMetadata().getFieldsMap()).doesNotContainKey("shadow-mirroring.io/listener-port");
  }

  @Test
  void theChartsBootstrapIsTheFrontProxyFileWithThisReleasesServerAddress() throws Exception {
    Bootstrap chart = EnvoyBootstrap.parse(helmBootstrap(Map.of()));
    Bootstrap file = EnvoyBootstrap.parse(RepoFiles.read(RepoFiles.envoyConfig("front-proxy.yaml")));

    assertThat(withXdsHost(chart, "any")).isEqualTo(withXdsHost(file, "any"));
  }

  @Test
  void theStrictParseRejectsAMisspeltField() {
    String typo = RepoFiles.read(RepoFiles.envoyConfig("local.yaml")).replace("connect_timeout", "conect_timeout");

    assertThatThrownBy(() -> EnvoyBootstrap.parse(typo))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessageContaining("conect_timeout");
  }

  @Test
  void aReferenceToAClusterThatIsNotDefinedIsFound() throws Exception {
    String dangling = RepoFiles.read(RepoFiles.envoyConfig("local.yaml"))
        .replaceFirst("cluster_name: xds_cluster", "cluster_name: control_plane");

    Bootstrap bootstrap = EnvoyBootstrap.parse(dangling);

    Set<String> undefined = new TreeSet<>(EnvoyBootstrap.referencedClusters(bootstrap));
    undefined.removeAll(EnvoyBootstrap.staticClusters(bootstrap));

    assertThat(undefined).containsExactly("control_plane");
  }

  private static String helmBootstrap(Map<String, String> values) {
    return HelmChart.render(values).get(ConfigMap.class, "envoy-config").getData().get("envoy.yaml");
  }

  private static Bootstrap withXdsHost(Bootstrap bootstrap, String host) {
    Bootstrap.Builder builder = bootstrap.toBuilder();
    builder.getStaticResourcesBuilder().getClustersBuilder(0).getLoadAssignmentBuilder().getEndpointsBuilder(0)
        .getLbEndpointsBuilder(0).getEndpointBuilder().getAddressBuilder().getSocketAddressBuilder().setAddress(host);
    return builder.build();
  }
}
