package io.shadowmirroring.xds.translate;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.service.runtime.v3.Runtime;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.shadowmirroring.xds.model.MirrorCopy;
import io.shadowmirroring.xds.model.ServicePortModel;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The RTDS layer {@link ResourceNames#RUNTIME_LAYER}: each mirror's share under its runtime key, for proxies
 * whose bootstrap has the layer. Their routes then carry a fixed default (see {@link RouteFactory}), so a
 * percentage edit changes this one small resource and leaves the route table byte-identical.
 *
 * <p>How Envoy reads the values (envoyproxy/envoy source/common/runtime/runtime_impl.cc): a layer's Struct is
 * walked into dotted keys, but a nested Struct that has a {@code numerator} or {@code denominator} field is
 * one entry, and {@code SnapshotImpl::featureEnabled(key, FractionalPercent default)} uses it when it parses,
 * strictly, as a {@code FractionalPercent}. So each value is exactly {@code {numerator: N, denominator:
 * "MILLION"}}: the denominator as the enum's name, no other field, or Envoy silently falls back to the
 * route's default. A plain number would be read as a whole percent out of 100, floored, which cannot hold
 * the annotations' 4 decimals; MILLION holds them exactly (a percentage is at most 4 decimals, i.e. whole
 * millionths: {@link io.shadowmirroring.xds.model.Percentage}). The route's mirror policy asks the runtime
 * with its {@code runtime_fraction} (source/common/router/config_impl.cc, ShadowPolicyImpl).
 *
 * <p>The keys are flat, dotted strings as the routes name them; the layer is always served, even empty,
 * because Envoy holds its listeners until every RTDS layer has arrived (the layer's initial_fetch_timeout,
 * 15 s by default; docs/root/configuration/operations/runtime.rst).
 */
final class RuntimeLayerFactory {
  static final String NUMERATOR = "numerator";
  static final String DENOMINATOR = "denominator";

  /** The layer for the mirrors of the ports that have routes in the proxy's route configuration. */
  Runtime layer(List<ServicePortModel> routedPorts) {
    // Sorted keys: the same model always gives the same bytes, whatever order the ports come in.
    Map<String, Value> values = new TreeMap<>();
    for (ServicePortModel port : routedPorts) {
      for (MirrorCopy copy : port.route().mirrors()) {
        values.put(ResourceNames.mirrorRuntimeKey(port.cluster(), copy.cluster()), share(copy.millionths()));
      }
    }
    return Runtime.newBuilder()
        .setName(ResourceNames.RUNTIME_LAYER)
        .setLayer(Struct.newBuilder().putAllFields(values))
        .build();
  }

  static Value share(int millionths) {
    return Value.newBuilder().setStructValue(Struct.newBuilder()
            .putFields(NUMERATOR, Value.newBuilder().setNumberValue(millionths).build())
            .putFields(DENOMINATOR,
                Value.newBuilder().setStringValue(FractionalPercent.DenominatorType.MILLION.name()).build()))
        .build();
  }
}
