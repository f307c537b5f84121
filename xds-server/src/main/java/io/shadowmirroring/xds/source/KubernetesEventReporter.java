package io.shadowmirroring.xds.source;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.shadowmirroring.xds.model.ConfigProblem;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Emits a Warning Event with reason {@code InvalidMirrorConfig} on the Service, so that
 * {@code kubectl describe svc} shows why its mirror is not served. The Event name is derived from the
 * Service and the message: replicas reporting the same problem bump one Event's count instead of
 * piling up copies.
 */
public final class KubernetesEventReporter implements ProblemReporter {
  public static final String REASON = "InvalidMirrorConfig";
  public static final String COMPONENT = "shadow-mirroring";

  private final KubernetesClient client;

  public KubernetesEventReporter(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public void report(ConfigProblem problem) {
    String namespace = problem.service().namespace();
    String name = problem.service().name() + "." + shortHash(problem.message());
    String now = Instant.now().toString();
    Service service = client.services().inNamespace(namespace).withName(problem.service().name()).get();
    Event event = new EventBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
        .withNewInvolvedObject()
          .withApiVersion("v1").withKind("Service").withNamespace(namespace).withName(problem.service().name())
          .withUid(service == null ? null : service.getMetadata().getUid())
          .withResourceVersion(service == null ? null : service.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType("Warning")
        .withReason(REASON)
        .withMessage(problem.message())
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withCount(1)
        .build();
    try {
      client.v1().events().inNamespace(namespace).resource(event).create();
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
