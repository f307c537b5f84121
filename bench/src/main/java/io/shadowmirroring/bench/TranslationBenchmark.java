package io.shadowmirroring.bench;

import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.translate.MeshTranslator;
import io.shadowmirroring.xds.translate.ProxyProfile;
import io.shadowmirroring.xds.translate.XdsResources;
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
 * Issue 8's scenario 7: translating 5,000 Services (half of them mirrored) for one Envoy profile.
 *
 * <p>{@code java -jar bench/target/benchmarks.jar TranslationBenchmark}
 *
 * <ul>
 *   <li>{@code fullRebuild}: model and translation from the inventory, what every change costs today;
 *   <li>{@code translateOnly}: the translation of an already built model;
 *   <li>{@code oneChangedService}: one EndpointSlice changed between calls. Today's translator has only
 *       {@link MeshTranslator#translate}, so this is a full rebuild too; an incremental translator plugs in
 *       here (keep its previous output in this state, give it the changed model).
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

  private final MeshModelBuilder models = new MeshModelBuilder();
  private final MeshTranslator translator = new MeshTranslator();
  private final ProxyProfile profile = ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, "");
  private Inventory inventory;
  private MeshModel model;
  private MeshModel[] alternating;
  private int turn;

  @Setup
  public void setUp() {
    MeshFixture fixture = new MeshFixture(services, services / 2);
    inventory = fixture.inventory();
    model = models.build(inventory).model();
    fixture.setMarker(services / 3, 1);
    alternating = new MeshModel[] {model, models.build(fixture.inventory()).model()};
  }

  @Benchmark
  public XdsResources fullRebuild() {
    return translator.translate(models.build(inventory).model(), profile);
  }

  @Benchmark
  public XdsResources translateOnly() {
    return translator.translate(model, profile);
  }

  @Benchmark
  public XdsResources oneChangedService() {
    turn ^= 1;
    return translator.translate(alternating[turn], profile);
  }
}
