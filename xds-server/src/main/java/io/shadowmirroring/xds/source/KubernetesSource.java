package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.shadowmirroring.xds.model.EndpointSliceInput;
import io.shadowmirroring.xds.model.Inventory;
import io.shadowmirroring.xds.model.ServiceInput;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Services and EndpointSlices from the Kubernetes API through fabric8 informers, across all
 * namespaces or the given ones. The label selector applies to Services; EndpointSlices are matched
 * to Services by their service-name label.
 *
 * <p>What fabric8 (8.0) recovers from by itself: a watch that drops or an API server that is away
 * for a while (the watch reconnects with backoff), and a watch answered with 410 Gone (the informer
 * lists again and the store converges). What it does not: an informer that has stopped for good (its
 * exception handler gives up on a watch that fails with anything but 410, or on reconnect attempts
 * beyond the client's limit; fabric8 issues 6379 and 4796). Such an informer is reported as a failure
 * (logged, {@code /readyz} 503), its last objects keep being served, and a new informer is started
 * with backoff; once it has listed, it replaces the stopped one and the failure clears.
 */
public final class KubernetesSource implements ConfigSource {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);
  private static final long RESYNC_MILLIS = 0;
  private static final Duration FIRST_RESTART_DELAY = Duration.ofSeconds(1);
  private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(16);

  private final KubernetesClient client;
  private final List<String> namespaces;
  private final String selector;
  private final KubernetesEventReporter reporter;
  // Published once, after every informer exists: start() syncs one informer at a time, so "all of
  // these have synced" means nothing until the lists are complete.
  private volatile List<Watched<Service>> services = List.of();
  private volatile List<Watched<EndpointSlice>> slices = List.of();
  // What is stopped, by what it watches; the first one is the reason /readyz shows.
  private final Map<String, String> failures = new ConcurrentSkipListMap<>();
  private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "kubernetes-informer-restart");
    thread.setDaemon(true);
    return thread;
  });
  private volatile Runnable onChange = () -> { };
  // The last inventory's conversions, by uid; guarded by this.
  private Map<String, Converted<ServiceInput>> convertedServices = new HashMap<>();
  private Map<String, Converted<EndpointSliceInput>> convertedSlices = new HashMap<>();
  private volatile boolean closing;

  /**
   * @param namespaces the namespaces to watch; empty for all
   * @param selector a label selector for Services, or empty
   */
  public KubernetesSource(KubernetesClient client, List<String> namespaces, String selector) {
    this.client = client;
    this.namespaces = List.copyOf(namespaces);
    this.selector = selector == null ? "" : selector;
    this.reporter = new KubernetesEventReporter(client);
  }

  @Override
  public void start(Runnable onChange) {
    this.onChange = onChange;
    List<Watched<Service>> watchedServices = new ArrayList<>();
    List<Watched<EndpointSlice>> watchedSlices = new ArrayList<>();
    if (namespaces.isEmpty()) {
      var all = client.services().inAnyNamespace();
      watchedServices.add(new Watched<>("services in all namespaces",
          () -> selector.isEmpty() ? all : all.withLabelSelector(selector)));
      watchedSlices.add(new Watched<>("endpointslices in all namespaces",
          () -> client.discovery().v1().endpointSlices().inAnyNamespace()));
    } else {
      for (String namespace : namespaces) {
        var inNamespace = client.services().inNamespace(namespace);
        watchedServices.add(new Watched<>("services in namespace " + namespace,
            () -> selector.isEmpty() ? inNamespace : inNamespace.withLabelSelector(selector)));
        watchedSlices.add(new Watched<>("endpointslices in namespace " + namespace,
            () -> client.discovery().v1().endpointSlices().inNamespace(namespace)));
      }
    }
    Stream.concat(watchedServices.stream(), watchedSlices.stream()).forEach(Watched::startFirst);
    slices = List.copyOf(watchedSlices);
    services = List.copyOf(watchedServices);
    onChange.run();
  }

  private ResourceEventHandler<Object> handler() {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(Object obj) {
        onChange.run();
      }

      @Override
      public void onUpdate(Object oldObj, Object newObj) {
        onChange.run();
      }

      @Override
      public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
        onChange.run();
      }
    };
  }

  /** One list-and-watch (a kind in a namespace, or in all), and the informer that currently serves it. */
  private final class Watched<T extends HasMetadata> {
    private final String what;
    private final Supplier<Informable<T>> resources;
    private volatile SharedIndexInformer<T> informer;

    Watched(String what, Supplier<Informable<T>> resources) {
      this.what = what;
      this.resources = resources;
    }

    void startFirst() {
      informer = resources.get().inform(handler(), RESYNC_MILLIS);
      followStop(informer);
    }

    SharedIndexInformer<T> informer() {
      return informer;
    }

    private void followStop(SharedIndexInformer<T> watched) {
      watched.stopped().whenComplete((ignored, error) -> {
        if (closing || watched != informer) {
          return;
        }
        String reason = "the informer for " + what + " stopped"
            + (error == null ? "" : ": " + oneLine(error)) + "; serving its last objects while it restarts";
        failures.put(what, reason);
        LOG.error("Kubernetes source: {}", reason);
        // A rebuild with the same objects serves the same bytes, and sets the gRPC health to NOT_SERVING.
        onChange.run();
        scheduleRestart(1, FIRST_RESTART_DELAY);
      });
    }

    private void scheduleRestart(int attempt, Duration delay) {
      if (closing) {
        return;
      }
      restarts.schedule(() -> restart(attempt, delay), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void restart(int attempt, Duration delay) {
      if (closing) {
        return;
      }
      SharedIndexInformer<T> fresh = resources.get().runnableInformer(RESYNC_MILLIS);
      fresh.addEventHandler(handler());
      fresh.start().whenComplete((ignored, error) -> {
        if (error != null || closing) {
          fresh.close();
          Duration next = delay.multipliedBy(2).compareTo(MAX_RESTART_DELAY) > 0 ? MAX_RESTART_DELAY
              : delay.multipliedBy(2);
          if (!closing) {
            LOG.warn("Kubernetes source: could not start the informer for {} again (attempt {}): {}; next try in {} ms",
                what, attempt, error == null ? "closing" : oneLine(error), next.toMillis());
          }
          scheduleRestart(attempt + 1, next);
          return;
        }
        SharedIndexInformer<T> stopped = informer;
        informer = fresh;
        stopped.close();
        followStop(fresh);
        failures.remove(what);
        LOG.info("Kubernetes source: the informer for {} is listing and watching again (attempt {})", what, attempt);
        onChange.run();
      });
    }
  }

  private static String oneLine(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getMessage() == null) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return message.replaceAll("\\s+", " ").trim();
  }

  @Override
  public boolean synced() {
    List<Watched<Service>> watchedServices = services;
    List<Watched<EndpointSlice>> watchedSlices = slices;
    return !watchedServices.isEmpty() && !watchedSlices.isEmpty()
        && watchedServices.stream().allMatch(w -> w.informer().hasSynced())
        && watchedSlices.stream().allMatch(w -> w.informer().hasSynced());
  }

  @Override
  public Optional<String> failure() {
    return failures.values().stream().findFirst();
  }

  @Override
  public boolean watchesNamespace(String namespace) {
    return namespaces.isEmpty() || namespaces.contains(namespace);
  }

  @Override
  public synchronized Inventory inventory() {
    String fallback = client.getNamespace() == null ? "default" : client.getNamespace();
    Map<String, Converted<ServiceInput>> nextServices = new HashMap<>(convertedServices.size() * 4 / 3 + 16);
    Map<String, Converted<EndpointSliceInput>> nextSlices = new HashMap<>(convertedSlices.size() * 4 / 3 + 16);
    List<ServiceInput> serviceInputs = new ArrayList<>(convertedServices.size());
    for (Watched<Service> watched : services) {
      for (Service service : watched.informer().getStore().list()) {
        serviceInputs.add(convert(service, convertedServices, nextServices, s -> KubernetesObjects.service(s, fallback)));
      }
    }
    List<EndpointSliceInput> sliceInputs = new ArrayList<>(convertedSlices.size());
    for (Watched<EndpointSlice> watched : slices) {
      for (EndpointSlice slice : watched.informer().getStore().list()) {
        sliceInputs.add(convert(slice, convertedSlices, nextSlices, s -> KubernetesObjects.endpointSlice(s, fallback)));
      }
    }
    convertedServices = nextServices;
    convertedSlices = nextSlices;
    return new Inventory(serviceInputs, sliceInputs);
  }

  /**
   * An object converted once per resourceVersion: the API server gives an object a new resourceVersion on
   * every change, so the same uid and resourceVersion mean the same content, and the input converted from it
   * last time is what converting it again would give. Unchanged objects are then the very same inputs
   * from one inventory to the next, which the model builder's memo recognises by reference.
   */
  private static <T extends HasMetadata, R> R convert(T object, Map<String, Converted<R>> last,
      Map<String, Converted<R>> next, Function<T, R> conversion) {
    String uid = object.getMetadata().getUid();
    String key = uid != null ? uid : object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
    String version = object.getMetadata().getResourceVersion();
    Converted<R> converted = last.get(key);
    if (version == null || converted == null || !version.equals(converted.resourceVersion())) {
      converted = new Converted<>(version, conversion.apply(object));
    }
    next.put(key, converted);
    return converted.input();
  }

  private record Converted<R>(String resourceVersion, R input) {}

  @Override
  public AnnotationWriter annotationWriter() {
    return new KubernetesAnnotationWriter(client);
  }

  @Override
  public ProblemReporter problemReporter() {
    return reporter;
  }

  @Override
  public Leadership leadership(LeaseSettings lease) {
    return new LeaseLeadership(client, lease);
  }

  @Override
  public String describe() {
    return "kubernetes (" + (namespaces.isEmpty() ? "all namespaces" : "namespaces " + String.join(",", namespaces))
        + (selector.isEmpty() ? "" : ", selector " + selector) + ")";
  }

  @Override
  public void close() {
    closing = true;
    restarts.shutdownNow();
    services.forEach(w -> w.informer().close());
    slices.forEach(w -> w.informer().close());
  }
}
