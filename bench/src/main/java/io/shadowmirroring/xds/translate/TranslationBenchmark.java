package io.shadowmirroring.xds.translate;

import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServicePort;
import io.shadowmirroring.xds.model.ServiceRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Target 7 of issue 8: a full rebuild of 5,000 Services in at most 100 ms, one changed Service in at most
 * 5 ms. 5,000 Services in 50 namespaces, one HTTP port each with 3 endpoints in 3 zones; every tenth one
 * mirrors to the next Service at 12.5 %.
 *
 * <ul>
 *   <li>{@code fullTranslation}: a fresh translator (nothing remembered), the edge Envoy profile;
 *   <li>{@code oneServiceChanged}: the translator the publisher keeps, given the model with one Service's
 *       endpoints changed, alternately one and the other, as after one EndpointSlice event;
 *   <li>{@code onePercentageChanged}: the same for one mirror percentage, for a profile with the RTDS layer;
 *   <li>{@code modelBuild}: the model from the inventory (annotations parsed, endpoints indexed) by a fresh
 *       builder (nothing remembered);
 *   <li>{@code oneServiceChangedModel}: the builder the reconciler keeps, given the inventory with one
 *       Service's EndpointSlice changed, alternately one and the other; every other object is the same one,
 *       as the Kubernetes source gives them (it converts an object once per resourceVersion);
 *   <li>{@code oneServiceChangedEndToEnd}: both, the kept builder and then the kept translator: what one
 *       EndpointSlice event costs from the inventory to the resources (issue 8's "one changed Service").
 * </ul>
 *
 * <p>{@code mvn -B -q -o -Pbench -pl bench -am package -DskipTests && java -jar bench/target/benchmarks.jar
 * TranslationBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TranslationBenchmark {
  private static final String MIRROR_TO = "shadow-mirroring.io/mirror-to";
  private static final String PERCENTAGE = "shadow-mirroring.io/mirror-percentage";

  @Param("5000")
  int services;

  private Inventory inventory;
  private MeshModel model;
  private MeshModel endpointMoved;
  private MeshModel percentageEdited;
  private final ProxyProfile edge = ProxyProfile.envoy(10000);
  private final ProxyProfile rtdsEdge = ProxyProfile.envoy(10000).withRuntimeLayer(true);
  private final MeshTranslator kept = new MeshTranslator();
  private final MeshTranslator keptRtds = new MeshTranslator();
  private Inventory sliceEdited;
  private final MeshModelBuilder keptBuilder = new MeshModelBuilder();
  private final MeshModelBuilder keptEndToEndBuilder = new MeshModelBuilder();
  private final MeshTranslator keptEndToEnd = new MeshTranslator();
  private long calls;

  @Setup
  public void setUp() {
    inventory = inventory(services, "10.0.0.9", "12.5");
    MeshModelBuilder builder = new MeshModelBuilder();
    model = builder.build(inventory).model();
    endpointMoved = builder.build(inventory(services, "10.0.0.10", "12.5")).model();
    percentageEdited = builder.build(inventory(services, "10.0.0.9", "25")).model();
    kept.translate(model, edge);
    keptRtds.translate(model, rtdsEdge);
    sliceEdited = withSliceOf(inventory, inventory(services, "10.0.0.10", "12.5"), 0);
    keptBuilder.build(inventory);
    keptEndToEnd.translate(keptEndToEndBuilder.build(inventory).model(), edge);
  }

  @Benchmark
  public XdsResources fullTranslation() {
    return new MeshTranslator().translate(model, edge);
  }

  @Benchmark
  public XdsResources oneServiceChanged() {
    return kept.translate((calls++ & 1) == 0 ? endpointMoved : model, edge);
  }

  @Benchmark
  public XdsResources onePercentageChanged() {
    return keptRtds.translate((calls++ & 1) == 0 ? percentageEdited : model, rtdsEdge);
  }

  @Benchmark
  public MeshModel modelBuild() {
    return new MeshModelBuilder().build(inventory).model();
  }

  @Benchmark
  public MeshModel oneServiceChangedModel() {
    return keptBuilder.build((calls++ & 1) == 0 ? sliceEdited : inventory).model();
  }

  @Benchmark
  public XdsResources oneServiceChangedEndToEnd() {
    Inventory next = (calls++ & 1) == 0 ? sliceEdited : inventory;
    return keptEndToEnd.translate(keptEndToEndBuilder.build(next).model(), edge);
  }

  /** {@code base} with its slice {@code index} (in name order) taken from {@code edited}: the rest are the same objects. */
  static Inventory withSliceOf(Inventory base, Inventory edited, int index) {
    EndpointSliceInput changed = edited.endpointSlices().stream()
        .filter(s -> s.serviceName().equals(ref(index).name())).findFirst().orElseThrow();
    List<EndpointSliceInput> slices = new ArrayList<>(base.endpointSlices());
    slices.replaceAll(s -> s.serviceName().equals(changed.serviceName()) ? changed : s);
    return new Inventory(base.services(), slices);
  }

  /** Service 0's first endpoint is {@code movedAddress}; Service 0 mirrors at {@code firstPercentage}. */
  static Inventory inventory(int count, String movedAddress, String firstPercentage) {
    List<ServiceInput> services = new ArrayList<>();
    List<EndpointSliceInput> slices = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ServiceRef ref = ref(i);
      Map<String, String> annotations = i % 10 != 0 ? Map.of()
          : Map.of(MIRROR_TO, ref(i + 1).namespace() + "/" + ref(i + 1).name(),
              PERCENTAGE, i == 0 ? firstPercentage : "12.5");
      services.add(new ServiceInput(ref, annotations, List.of(new ServicePort("http", 80, "TCP", ""))));
      List<EndpointSliceInput.Endpoint> endpoints = new ArrayList<>();
      for (int e = 0; e < 3; e++) {
        String ip = i == 0 && e == 0 ? movedAddress : "10." + (i / 250) + "." + (i % 250) + "." + (e + 1);
        endpoints.add(new EndpointSliceInput.Endpoint(List.of(ip), true, "zone-" + e));
      }
      slices.add(new EndpointSliceInput(ref.namespace(), ref.name() + "-abcde", ref.name(),
          List.of(new EndpointSliceInput.Port("http", 8080)), endpoints));
    }
    return new Inventory(services, slices);
  }

  private static ServiceRef ref(int i) {
    return new ServiceRef("ns-" + (i % 50), "svc-" + i);
  }
}
