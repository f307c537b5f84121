package io.shadowmirroring.bench;

import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
import java.util.ArrayList;
import java.util.List;
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
 * Issue 8's scenario 7: model and translation of 5,000 Services (half of them mirrored) for one Envoy
 * profile.
 *
 * <p>{@code java -jar bench/target/benchmarks.jar io.shadowmirroring.bench.TranslationBenchmark}
 *
 * <ul>
 *   <li>{@code fullRebuild}: a fresh model builder and a fresh translator (nothing remembered), from the
 *       inventory to the resources: what the first build, a restart or a replica costs;
 *   <li>{@code translateOnly}: a fresh translator given an already built model;
 *   <li>{@code oneChangedService}: the builder and translator the server keeps, given the inventory with
 *       one Service's EndpointSlice changed, alternately one and the other; every other object is the same
 *       one, as the Kubernetes source gives them (it converts an object once per resourceVersion). What one
 *       EndpointSlice event costs from the inventory to the resources.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class TranslationBenchmark {
  @Param("5000")
  public int services;

  private final ProxyProfile profile = ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, "");
  private final MeshModelBuilder keptBuilder = new MeshModelBuilder();
  private final MeshTranslator keptTranslator = new MeshTranslator();
  private Inventory inventory;
  private MeshModel model;
  private Inventory[] alternating;
  private int turn;

  @Setup
  public void setUp() {
    MeshFixture fixture = new MeshFixture(services, services / 2);
    inventory = fixture.inventory();
    model = new MeshModelBuilder().build(inventory).model();
    int changed = services / 3;
    fixture.setMarker(changed, 1);
    alternating = new Inventory[] {inventory, withSliceOf(inventory, fixture.inventory(), changed)};
    keptTranslator.translate(keptBuilder.build(inventory).model(), profile);
  }

  @Benchmark
  public XdsResources fullRebuild() {
    return new MeshTranslator().translate(new MeshModelBuilder().build(inventory).model(), profile);
  }

  @Benchmark
  public XdsResources translateOnly() {
    return new MeshTranslator().translate(model, profile);
  }

  @Benchmark
  public XdsResources oneChangedService() {
    turn ^= 1;
    return keptTranslator.translate(keptBuilder.build(alternating[turn]).model(), profile);
  }

  /** {@code base} with the slices of Service {@code index} taken from {@code edited}: the rest are the same objects. */
  private static Inventory withSliceOf(Inventory base, Inventory edited, int index) {
    String service = MeshFixture.name(index);
    List<EndpointSliceInput> slices = new ArrayList<>(base.endpointSlices());
    List<EndpointSliceInput> changed = edited.endpointSlices().stream()
        .filter(slice -> slice.serviceName().equals(service)).toList();
    slices.removeIf(slice -> slice.serviceName().equals(service));
    slices.addAll(changed);
    return new Inventory(base.services(), slices);
  }
}
