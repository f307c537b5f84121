package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.shadowmirroring.xds.model.Inventory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Services and EndpointSlices from the Kubernetes API through fabric8 informers, across all
 * namespaces or the given ones. The label selector applies to Services; EndpointSlices are matched
 * to Services by their service-name label.
 */
public final class KubernetesSource implements ConfigSource {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesSource.class);
  private static final long RESYNC_MILLIS = 0;

  private final KubernetesClient client;
  private final List<String> namespaces;
  private final String selector;
  private final KubernetesEventReporter reporter;
  // Published once, after every informer exists: inform() syncs one informer at a time, so "all of
  // these have synced" means nothing until the lists are complete.
  private volatile List<SharedIndexInformer<Service>> serviceInformers = List.of();
  private volatile List<SharedIndexInformer<EndpointSlice>> sliceInformers = List.of();
  private final AtomicReference<String> failure = new AtomicReference<>();
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
    ResourceEventHandler<Object> handler = new ResourceEventHandler<>() {
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
    List<SharedIndexInformer<Service>> services = new ArrayList<>();
    List<SharedIndexInformer<EndpointSlice>> slices = new ArrayList<>();
    if (namespaces.isEmpty()) {
      var all = client.services().inAnyNamespace();
      services.add((selector.isEmpty() ? all : all.withLabelSelector(selector)).inform(handler, RESYNC_MILLIS));
      slices.add(client.discovery().v1().endpointSlices().inAnyNamespace().inform(handler, RESYNC_MILLIS));
    } else {
      for (String namespace : namespaces) {
        var inNamespace = client.services().inNamespace(namespace);
        services.add((selector.isEmpty() ? inNamespace : inNamespace.withLabelSelector(selector))
            .inform(handler, RESYNC_MILLIS));
        slices.add(client.discovery().v1().endpointSlices().inNamespace(namespace).inform(handler, RESYNC_MILLIS));
      }
    }
    sliceInformers = List.copyOf(slices);
    serviceInformers = List.copyOf(services);
    // An informer can stop for good (API server restarts, socket kills); say so on /readyz.
    List<SharedIndexInformer<?>> all = new ArrayList<>(services);
    all.addAll(slices);
    for (SharedIndexInformer<?> informer : all) {
      informer.stopped().whenComplete((ignored, error) -> {
        if (closing) {
          return;
        }
        String reason = error == null ? "an informer stopped" : "an informer stopped: " + error.getMessage();
        if (failure.compareAndSet(null, reason)) {
          LOG.error("Kubernetes source: {}", reason);
        }
      });
    }
    onChange.run();
  }

  @Override
  public boolean synced() {
    List<SharedIndexInformer<Service>> services = serviceInformers;
    List<SharedIndexInformer<EndpointSlice>> slices = sliceInformers;
    return !services.isEmpty() && !slices.isEmpty()
        && services.stream().allMatch(SharedIndexInformer::hasSynced)
        && slices.stream().allMatch(SharedIndexInformer::hasSynced);
  }

  @Override
  public Optional<String> failure() {
    return Optional.ofNullable(failure.get());
  }

  @Override
  public boolean watchesNamespace(String namespace) {
    return namespaces.isEmpty() || namespaces.contains(namespace);
  }

  @Override
  public Inventory inventory() {
    String fallback = client.getNamespace() == null ? "default" : client.getNamespace();
    return new Inventory(
        serviceInformers.stream().flatMap(i -> i.getStore().list().stream())
            .map(s -> KubernetesObjects.service(s, fallback)).toList(),
        sliceInformers.stream().flatMap(i -> i.getStore().list().stream())
            .map(s -> KubernetesObjects.endpointSlice(s, fallback)).toList());
  }

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
    serviceInformers.forEach(SharedIndexInformer::close);
    sliceInformers.forEach(SharedIndexInformer::close);
  }
}
