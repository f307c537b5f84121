package io.shadowmirroring.xds.translate;

import static io.shadowmirroring.xds.Fixtures.service;
import static io.shadowmirroring.xds.Fixtures.slice;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.Fixtures.ServiceBuilder;
import io.shadowmirroring.xds.Fixtures.SliceBuilder;
import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.Exposure;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.MeshModel;
import io.shadowmirroring.xds.model.MeshModelBuilder;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.ServiceInput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The translator the publisher keeps remembers each port's last outputs; what it returns must be exactly what
 * a fresh translator returns for the same model, whatever came before.
 */
@DisplayName("Incremental translation: a kept translator gives what a fresh one gives, after any edits")
class IncrementalTranslationTest {
  private static final List<ProxyProfile> PROFILES = List.of(
      ProxyProfile.envoy(10000),
      ProxyProfile.envoy(10000).withRuntimeLayer(true),
      ProxyProfile.envoy(15001, ProxyProfile.Role.SIDECAR, "b"),
      ProxyProfile.envoy(10000, ProxyProfile.Role.EDGE, "a", List.of("a", "c"), true),
      ProxyProfile.grpc());
  private static final String[] NAMESPACES = {"a", "b", "c"};
  private static final int SERVICES = 12;
  private static final String[] PERCENTAGES = {"100", "29", "12.5", "0", "0.0001"};
  private static final String[] METHODS = {"GET,HEAD,OPTIONS", "*", "POST"};

  /** One Service's settings, each edit changes one of them. */
  private static final class ServiceState {
    boolean exists = true;
    int mirrorTarget = -1;
    int percentage;
    int methods;
    boolean grpcPort;
    boolean keepHost;
    int endpoints = 1;
    int endpointSeed;
    boolean promote;
    /** Its mirrors' clusters change with it while their primaries' models stay equal. */
    boolean h2c;
    /** With {@link Exposure#MIRRORED}, a mirror target gets a virtual host of its own or is a cluster only. */
    boolean expose;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 17, 42, 20260101})
  void aSequenceOfRandomEditsTranslatesAsFromScratchAfterEachEdit(long seed) {
    Random random = new Random(seed);
    ServiceState[] states = new ServiceState[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      states[i] = new ServiceState();
    }
    for (Exposure exposure : Exposure.values()) {
      MeshTranslator kept = new MeshTranslator();
      // As the server builds: a kept builder, given the same objects for what did not change, so that the
      // translator sees the very records of the last model where nothing changed; now and then a fresh
      // builder, whose records are all new.
      MeshModelBuilder builder = new MeshModelBuilder(exposure);
      Map<Object, Object> keptObjects = new HashMap<>();
      for (int step = 0; step < 60; step++) {
        edit(states[random.nextInt(SERVICES)], random);
        Inventory inventory = inventory(states, keptObjects);
        MeshModel model = (random.nextInt(4) == 0 ? new MeshModelBuilder(exposure) : builder).build(inventory).model();
        for (ProxyProfile profile : PROFILES) {
          XdsResources incremental = kept.translate(model, profile);
          XdsResources fromScratch = new MeshTranslator().translate(model, profile);

          assertThat(incremental).as("%s, step %d, profile %s", exposure, step, profile).isEqualTo(fromScratch);
        }
      }
    }
  }

  @Test
  void theSameModelTranslatedAgainReturnsTheSameResources() {
    ServiceState[] states = new ServiceState[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      states[i] = new ServiceState();
      states[i].mirrorTarget = (i + 1) % SERVICES;
    }
    MeshModel model = new MeshModelBuilder().build(inventory(states)).model();
    MeshTranslator kept = new MeshTranslator();

    XdsResources first = kept.translate(model, PROFILES.get(1));
    XdsResources again = kept.translate(new MeshModelBuilder().build(inventory(states)).model(), PROFILES.get(1));

    assertThat(again).isEqualTo(first);
    assertThat(again.clusters().get(0)).as("reused, not rebuilt").isSameAs(first.clusters().get(0));
  }

  @Test
  @DisplayName("an endpoint change makes a new assignment only: the cluster, the route table, the RTDS layer and "
      + "the listener are the very messages of the last translation, so none is serialized again")
  void anEndpointChangeRebuildsOnlyTheAssignment() {
    ServiceState[] states = new ServiceState[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      states[i] = new ServiceState();
      states[i].mirrorTarget = (i + 1) % SERVICES;
    }
    MeshTranslator kept = new MeshTranslator();
    ProxyProfile profile = PROFILES.get(1);
    XdsResources first = kept.translate(new MeshModelBuilder().build(inventory(states)).model(), profile);

    states[0].endpoints = 3;
    XdsResources moved = kept.translate(new MeshModelBuilder().build(inventory(states)).model(), profile);

    assertThat(moved.endpoints().get(0)).isNotEqualTo(first.endpoints().get(0));
    assertThat(moved.clusters().get(0)).isSameAs(first.clusters().get(0));
    assertThat(moved.routes().get(0)).isSameAs(first.routes().get(0));
    assertThat(moved.runtimes().get(0)).isSameAs(first.runtimes().get(0));
    assertThat(moved.listeners().get(0)).isSameAs(first.listeners().get(0));

    states[0].percentage = 1;
    XdsResources edited = kept.translate(new MeshModelBuilder().build(inventory(states)).model(), profile);

    assertThat(edited.runtimes().get(0)).as("a percentage edit changes the layer").isNotEqualTo(moved.runtimes().get(0));
    assertThat(edited.routes().get(0)).as("and, with the layer, not the route table").isSameAs(moved.routes().get(0));
  }

  @Test
  void whatAProfileNoLongerTranslatedLeftBehindIsDroppedAtTheNextModel() {
    ServiceState[] states = new ServiceState[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      states[i] = new ServiceState();
    }
    MeshTranslator kept = new MeshTranslator();
    MeshModel first = new MeshModelBuilder().build(inventory(states)).model();
    PROFILES.forEach(profile -> kept.translate(first, profile));
    assertThat(kept.rememberedProfiles()).isEqualTo(PROFILES.size());

    states[0].endpoints = 3;
    MeshModel second = new MeshModelBuilder().build(inventory(states)).model();
    kept.translate(second, PROFILES.get(0));
    states[1].endpoints = 3;
    kept.translate(new MeshModelBuilder().build(inventory(states)).model(), PROFILES.get(0));

    assertThat(kept.rememberedProfiles()).isEqualTo(1);
  }

  private static void edit(ServiceState state, Random random) {
    switch (random.nextInt(11)) {
      case 0 -> state.exists = !state.exists;
      case 1 -> state.mirrorTarget = random.nextInt(SERVICES + 1) - 1;
      case 2 -> state.percentage = random.nextInt(PERCENTAGES.length);
      case 3 -> state.methods = random.nextInt(METHODS.length);
      case 4 -> state.grpcPort = !state.grpcPort;
      case 5 -> state.keepHost = !state.keepHost;
      case 6 -> state.endpoints = random.nextInt(4);
      case 7 -> state.endpointSeed = random.nextInt(3);
      case 8 -> state.h2c = !state.h2c;
      case 9 -> state.expose = !state.expose;
      default -> state.promote = !state.promote;
    }
  }

  private static Inventory inventory(ServiceState[] states) {
    return inventory(states, null);
  }

  /** With {@code kept}, an object equal to an earlier one is that one, as the Kubernetes source gives them. */
  private static Inventory inventory(ServiceState[] states, Map<Object, Object> kept) {
    List<ServiceInput> services = new ArrayList<>();
    List<EndpointSliceInput> slices = new ArrayList<>();
    for (int i = 0; i < states.length; i++) {
      ServiceState state = states[i];
      if (!state.exists) {
        continue;
      }
      ServiceBuilder service = service(namespace(i), "svc-" + i).port("http", 80, state.h2c ? "h2c" : "");
      if (state.grpcPort) {
        service.port("grpc", 9090, "grpc");
      }
      if (state.mirrorTarget >= 0) {
        String target = namespace(state.mirrorTarget) + "/svc-" + state.mirrorTarget;
        service.mirrorTo(target).percentage(PERCENTAGES[state.percentage]).methods(METHODS[state.methods])
            .keepHost(Boolean.toString(state.keepHost));
        if (state.promote) {
          service.promote(target);
        }
      }
      if (state.expose) {
        service.annotate(MirrorAnnotations.EXPOSE, "true");
      }
      services.add(keep(kept, service.build()));
      SliceBuilder slice = slice(namespace(i), "svc-" + i + "-x", "svc-" + i).port("http", 8080).port("grpc", 9090);
      for (int e = 0; e < state.endpoints; e++) {
        slice.ready("10." + i + "." + state.endpointSeed + "." + (e + 1), "zone-" + (e % 2));
      }
      slices.add(keep(kept, slice.build()));
    }
    return new Inventory(services, slices);
  }

  @SuppressWarnings("unchecked")
  private static <T> T keep(Map<Object, Object> kept, T object) {
    return kept == null ? object : (T) kept.computeIfAbsent(object, o -> o);
  }

  private static String namespace(int service) {
    return NAMESPACES[service % NAMESPACES.length];
  }
}
