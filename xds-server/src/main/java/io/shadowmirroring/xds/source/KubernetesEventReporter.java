package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Emits Events on the Service, so that {@code kubectl describe svc} shows what happened to its mirror:
 * Warning {@code InvalidMirrorConfig} when its annotations are rejected, and the verdicts and automatic
 * actions ({@code ShadowPassing}, {@code ShadowFailing}, {@code ShadowPromoted}, {@code ShadowAborted}).
 * The Event name is derived from the Service and the message: replicas or restarts reporting the same
 * thing bump one Event's count instead of piling up copies.
 */
public final class KubernetesEventReporter implements ProblemReporter {
  public static final String REASON = ServiceEvent.INVALID_MIRROR_CONFIG;
  public static final String COMPONENT = "shadow-mirroring";

  private final KubernetesClient client;

  public KubernetesEventReporter(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public void report(ServiceEvent event) {
    String namespace = event.service().namespace();
    String name = event.service().name() + "." + shortHash(event.message());
    String now = Instant.now().toString();
    Service service = client.services().inNamespace(namespace).withName(event.service().name()).get();
    Event kubernetesEvent = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewInvolvedObject()
          .withApiVersion("v1").withKind("Service").withNamespace(namespace).withName(event.service().name())
          .withUid(service == null ? null : service.getMetadata().getUid())
          .withResourceVersion(service == null ? null : service.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(event.type().kubernetesName())
        .withReason(event.reason())
        .withMessage(event.message())
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(namespace).resource(kubernetesEvent).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      client.v1().events().inNamespace(namespace).withName(name).edit(existing -> {
        existing.setCount(existing.getCount() == null ? 2 : existing.getCount() + 1);
        existing.setLastTimestamp(now);
        return existing;
      });
    }
  }

  private static String shortHash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
