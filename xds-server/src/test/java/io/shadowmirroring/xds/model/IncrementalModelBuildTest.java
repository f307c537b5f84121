package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.shadowmirroring.xds.Fixtures.ServiceBuilder;
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
 * The builder the reconciler keeps remembers what it made of each Service and EndpointSlice; what it builds
 * must be exactly what a fresh builder builds from the same inventory, whatever came before.
 */
@DisplayName("Incremental model build: a kept builder gives what a fresh one gives, after any edits")
class IncrementalModelBuildTest {
  private static final String[] NAMESPACES = {"a", "b"};
  private static final int SERVICES = 10;
  private static final String[] PERCENTAGES = {"100", "12.5", "0", "not-a-number"};

  /** One Service and its slice; each edit changes one thing. */
  private static final class ServiceState {
    boolean exists = true;
    int mirrorTarget = -1;
    int percentage;
    boolean promote;
    boolean secondPort;
    boolean explicitTargetPort;
    int endpoints = 1;
    int endpointSeed;
    boolean draining;
    boolean badAddress;
    boolean fqdn;
    boolean unnamedSlicePort;
    boolean sliceExists = true;
    /** The slice names another Service: an endpoint move between Services. */
    int sliceOwner = -1;
    boolean expose;
    /** A second Service of the same ref (the first in the inventory's order counts). */
    boolean duplicateService;
    /** A second slice of the same namespace and name. */
    boolean duplicateSlice;
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 17, 42, 20260101})
  void aSequenceOfRandomEditsBuildsAsFromScratchAfterEachEdit(long seed) {
    Random random = new Random(seed);
    ServiceState[] states = new ServiceState[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      states[i] = new ServiceState();
    }
    // The two modes a source gives its objects in: the same objects while unchanged (a source that keeps
    // its converted objects), or new equal ones (a source that converts everything again).
    Map<Object, Object> kept = new HashMap<>();
    for (Exposure exposure : Exposure.values()) {
      MeshModelBuilder builder = new MeshModelBuilder(exposure);
      for (int step = 0; step < 80; step++) {
        // Mostly one edit, as one watch event gives; sometimes several at once, as a debounced burst does.
        int edits = random.nextInt(4) == 0 ? 2 + random.nextInt(4) : 1;
        for (int e = 0; e < edits; e++) {
          edit(states[random.nextInt(SERVICES)], random);
        }
        Inventory inventory = inventory(states, random.nextBoolean() ? kept : null);

        ModelBuild incremental = builder.build(inventory);
        ModelBuild fromScratch = new MeshModelBuilder(exposure).build(inventory);

        assertSameBuild(incremental, fromScratch, "seed " + seed + ", " + exposure + ", step " + step);
      }
    }
  }

  @Test
  @DisplayName("an unchanged Service's ports are the very records of the last build")
  void unchangedServicesKeepTheirRecords() {
    ServiceState[] states = new ServiceState[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      states[i] = new ServiceState();
      states[i].mirrorTarget = (i + 1) % SERVICES;
    }
    Map<Object, Object> kept = new HashMap<>();
    MeshModelBuilder builder = new MeshModelBuilder();
    MeshModel before = builder.build(inventory(states, kept)).model();

    states[3].endpoints = 3;
    MeshModel after = builder.build(inventory(states, kept)).model();

    ServicePortModel unchanged = port(after, 5);
    assertThat(unchanged).isSameAs(port(before, 5));
    assertThat(port(after, 3)).isNotEqualTo(port(before, 3));
    assertThat(port(after, 3).endpoints()).extracting(EndpointAddress::ip).contains("10.3.0.3");
  }

  @Test
  @DisplayName("a Service whose mirror target appears is built again, though it did not change itself")
  void aTargetThatAppearsRebuildsItsPrimary() {
    ServiceState[] states = new ServiceState[SERVICES];
    for (int i = 0; i < SERVICES; i++) {
      states[i] = new ServiceState();
    }
    states[0].mirrorTarget = 1;
    states[1].exists = false;
    Map<Object, Object> kept = new HashMap<>();
    MeshModelBuilder builder = new MeshModelBuilder();
    ModelBuild missing = builder.build(inventory(states, kept));
    assertThat(missing.statuses().get(0).state()).isEqualTo(MirrorStatus.State.INVALID);

    states[1].exists = true;
    ModelBuild present = builder.build(inventory(states, kept));

    assertThat(present.statuses().get(0).state()).isEqualTo(MirrorStatus.State.MIRRORING);
    assertSameBuild(present, new MeshModelBuilder().build(inventory(states, null)), "after the target appeared");
  }

  private static ServicePortModel port(MeshModel model, int service) {
    ServiceRef ref = new ServiceRef(namespace(service), "svc-" + service);
    return model.ports().stream().filter(p -> p.cluster().service().equals(ref)).findFirst().orElseThrow();
  }

  // ConfigProblem holds the exception, which is equal only to itself: problems compare by their message.
  private static void assertSameBuild(ModelBuild incremental, ModelBuild fromScratch, String what) {
    assertThat(incremental.model()).as(what).isEqualTo(fromScratch.model());
    assertThat(incremental.statuses()).as(what).isEqualTo(fromScratch.statuses());
    assertThat(incremental.endpointProblems()).as(what).isEqualTo(fromScratch.endpointProblems());
    assertThat(incremental.problems().stream().map(ConfigProblem::message).toList()).as(what)
        .isEqualTo(fromScratch.problems().stream().map(ConfigProblem::message).toList());
  }

  private static void edit(ServiceState state, Random random) {
    switch (random.nextInt(16)) {
      case 0 -> state.exists = !state.exists;
      case 1 -> state.mirrorTarget = random.nextInt(SERVICES + 1) - 1;
      case 2 -> state.percentage = random.nextInt(PERCENTAGES.length);
      case 3 -> state.promote = !state.promote;
      case 4 -> state.secondPort = !state.secondPort;
      case 5 -> state.explicitTargetPort = !state.explicitTargetPort;
      case 6 -> state.endpoints = random.nextInt(4);
      case 7 -> state.endpointSeed = random.nextInt(3);
      case 8 -> state.draining = !state.draining;
      case 9 -> state.badAddress = !state.badAddress;
      case 10 -> state.fqdn = !state.fqdn;
      case 11 -> state.unnamedSlicePort = !state.unnamedSlicePort;
      case 12 -> state.sliceOwner = random.nextInt(SERVICES + 1) - 1;
      case 13 -> state.duplicateService = !state.duplicateService;
      case 14 -> state.duplicateSlice = !state.duplicateSlice;
      default -> {
        if (random.nextBoolean()) {
          state.sliceExists = !state.sliceExists;
        } else {
          state.expose = !state.expose;
        }
      }
    }
  }

  /** The inventory of these states; with {@code kept}, an object equal to an earlier one is that one. */
  private static Inventory inventory(ServiceState[] states, Map<Object, Object> kept) {
    List<ServiceInput> services = new ArrayList<>();
    List<EndpointSliceInput> slices = new ArrayList<>();
    for (int i = 0; i < states.length; i++) {
      ServiceState state = states[i];
      if (state.exists) {
        ServiceBuilder service = service(namespace(i), "svc-" + i).port("http", 80);
        if (state.secondPort) {
          service.port("admin", 9000);
        }
        if (state.mirrorTarget >= 0) {
          String target = namespace(state.mirrorTarget) + "/svc-" + state.mirrorTarget;
          service.mirrorTo(state.explicitTargetPort ? target + ":admin" : target)
              .percentage(PERCENTAGES[state.percentage]);
          if (state.promote) {
            service.promote(target);
          }
        }
        if (state.expose) {
          service.annotate(MirrorAnnotations.EXPOSE, "true");
        }
        ServiceInput duplicate = service(namespace(i), "svc-" + i).port("other", 81).build();
        if (state.duplicateService && i % 2 == 1) {
          services.add(keep(kept, duplicate));
        }
        services.add(keep(kept, service.build()));
        if (state.duplicateService && i % 2 == 0) {
          services.add(keep(kept, duplicate));
        }
      }
      if (state.sliceExists) {
        int owner = state.sliceOwner < 0 ? i : state.sliceOwner;
        List<EndpointSliceInput.Endpoint> endpoints = new ArrayList<>();
        for (int e = 0; e < state.endpoints; e++) {
          String ip = state.fqdn ? "svc-" + i + ".example.com"
              : state.badAddress && e == 0 ? "10.0.0.300" : "10." + i + "." + state.endpointSeed + "." + (e + 1);
          boolean ready = !(state.draining && e == 0);
          endpoints.add(new EndpointSliceInput.Endpoint(List.of(ip), ready, "zone-" + (e % 2), true, !ready));
        }
        // Two slices of one Service can hold the same address (a Pod moving): slice 0 always holds 10.0.0.1.
        endpoints.add(new EndpointSliceInput.Endpoint(List.of("10.0.0.1"), i % 2 == 0, "", true, i % 2 != 0));
        List<EndpointSliceInput.Port> ports = state.unnamedSlicePort
            ? List.of(new EndpointSliceInput.Port("", 8080))
            : List.of(new EndpointSliceInput.Port("http", 8080), new EndpointSliceInput.Port("admin", 9001));
        // A second slice of the same name holds the first address of the other one in another zone: which
        // one is served depends on the slices' order, which for equal names is the inventory's.
        String shared = "10." + i + "." + state.endpointSeed + ".1";
        EndpointSliceInput duplicate = new EndpointSliceInput(namespace(owner), "svc-" + i + "-x", "svc-" + owner, ports,
            List.of(new EndpointSliceInput.Endpoint(List.of(shared), true, "zone-duplicate")));
        if (state.duplicateSlice && i % 2 == 1) {
          slices.add(keep(kept, duplicate));
        }
        slices.add(keep(kept, new EndpointSliceInput(namespace(owner), "svc-" + i + "-x", "svc-" + owner,
            state.fqdn ? EndpointSliceInput.FQDN : EndpointSliceInput.IPV4, ports, endpoints)));
        if (state.duplicateSlice && i % 2 == 0) {
          slices.add(keep(kept, duplicate));
        }
      }
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
