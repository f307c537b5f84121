package io.shadowmirroring.xds.admin;

import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorTarget;
import io.shadowmirroring.api.admin.v1.Proxy;
import io.shadowmirroring.api.admin.v1.ResourceStatus;
import io.shadowmirroring.api.admin.v1.ServiceName;
import io.shadowmirroring.xds.model.ClusterRef;
import io.shadowmirroring.xds.model.MirrorStatus;
import io.shadowmirroring.xds.model.Percentage;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.xds.ProxyStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Turns the server's records into the admin API's messages. */
final class MirrorViews {
  private MirrorViews() {}

  static ServiceName name(ServiceRef ref) {
    return ServiceName.newBuilder().setNamespace(ref.namespace()).setName(ref.name()).build();
  }

  static Mirror mirror(MirrorStatus status, String configVersion) {
    return mirror(status, configVersion, List.of());
  }

  /** The mirror with the judge's verdict on each of its targets. */
  static Mirror mirror(MirrorStatus status, String configVersion,
      List<io.shadowmirroring.xds.analysis.TargetComparison> comparisons) {
    Mirror.Builder mirror = Mirror.newBuilder()
        .setService(name(status.service()))
        .setState(switch (status.state()) {
          case MIRRORING -> Mirror.State.MIRRORING;
          case PROMOTED -> Mirror.State.PROMOTED;
          case INVALID -> Mirror.State.INVALID;
          case NONE -> Mirror.State.STATE_UNSPECIFIED;
        })
        .setError(status.error())
        .setConfigVersion(configVersion)
        .putAllAnnotations(MirrorEditor.mirrorAnnotations(status.annotations()));
    // One row per distinct target cluster, over all ports of the primary.
    Map<ClusterRef, Integer> targets = new TreeMap<>();
    status.targetsByPort().values().forEach(copies -> copies.forEach(c -> targets.put(c.cluster(), c.millionths())));
    status.promotedByPort().values().forEach(c -> targets.putIfAbsent(c, Percentage.MILLION));
    targets.forEach((cluster, millionths) -> mirror.addTargets(MirrorTarget.newBuilder()
        .setNamespace(cluster.service().namespace())
        .setService(cluster.service().name())
        .setPort(cluster.port())
        .setPercentage(BigDecimal.valueOf(millionths).movePointLeft(4).doubleValue())));
    status.effective().ifPresent(spec -> {
      mirror.addAllMethods(spec.methods().all() ? List.of("*") : spec.methods().methods());
      mirror.setKeepHost(spec.keepHost());
      spec.promote().ifPresent(p -> mirror.setPromoted(p.toString()));
    });
    mirror.addAllNotices(status.notices());
    comparisons.forEach(c -> mirror.addVerdicts(ComparisonViews.verdict(status, c)));
    return mirror.build();
  }

  static Proxy proxy(ProxyStream stream) {
    Node node = stream.node().orElse(Node.getDefaultInstance());
    Proxy.Builder proxy = Proxy.newBuilder()
        .setNodeId(node.getId())
        .setCluster(node.getCluster())
        .setUserAgent((node.getUserAgentName() + " " + node.getUserAgentVersion()).trim())
        .setPeerAddress(stream.peerAddress())
        .setConnectedSince(timestamp(stream.connectedSince()))
        .setDelta(stream.delta());
    stream.types().values().stream().sorted(Comparator.comparing(ProxyStream.TypeState::typeUrl)).forEach(type -> {
      ResourceStatus.Builder status = ResourceStatus.newBuilder()
          .setTypeUrl(type.typeUrl())
          .setVersionSent(type.sentVersion())
          .setVersionAcked(type.ackedVersion());
      type.lastNack().ifPresent(nack -> status.setLastNackVersion(nack.version())
          .setLastNackError(nack.errorDetail())
          .setLastNackTime(timestamp(nack.at())));
      proxy.addResources(status);
    });
    return proxy.build();
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
