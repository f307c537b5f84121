package io.shadowmirroring.xds.webhook;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.shadowmirroring.xds.model.ConfigProblem;
import io.shadowmirroring.xds.model.InvalidMirrorConfigException;
import io.shadowmirroring.xds.model.MirrorAnnotationParser;
import io.shadowmirroring.xds.model.MirrorAnnotations;
import io.shadowmirroring.xds.model.MirrorResolver;
import io.shadowmirroring.xds.model.MirrorSpec;
import io.shadowmirroring.xds.model.ServiceInput;
import io.shadowmirroring.xds.model.ServiceRef;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.KubernetesObjects;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission decision for a Service: the same parser and resolver as the model, against the
 * source's current inventory, so a change the server would reject (and serve without mirroring) is
 * refused before it is stored, with the same one-line reason.
 *
 * <p>It denies only what it has checked and found invalid. Anything it cannot check (the source has not
 * synced, a malformed object, a bug) is allowed with a warning, like the {@code failurePolicy: Ignore}
 * it is registered with: the server itself handles an invalid annotation safely, so the webhook must
 * never be the reason a Service cannot be written.
 */
public final class ServiceAdmission {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceAdmission.class);

  /**
   * The HTTP code of a denial. The API server turns a denial into a Forbidden StatusError and answers
   * with this code (403 is also its default for a denial without one; see
   * k8s.io/apiserver/pkg/admission/plugin/webhook/errors/statuserror.go), so kubectl prints
   * {@code Error from server (Forbidden): ... admission webhook "..." denied the request: <message>}.
   */
  public static final int DENIED = 403;

  private final ConfigSource source;
  private final KubernetesSerialization json = new KubernetesSerialization();
  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MirrorResolver resolver = new MirrorResolver();

  public ServiceAdmission(ConfigSource source) {
    this.source = source;
  }

  /**
   * Answers an AdmissionReview v1 as read from JSON. A request whose object cannot even be read into
   * the model is allowed with a warning (uid echoed), never refused.
   */
  public AdmissionReview review(String uid, Map<String, Object> review) {
    AdmissionReview typed;
    try {
      typed = json.convertValue(review, AdmissionReview.class);
    } catch (RuntimeException e) {
      LOG.warn("admission {}: could not read the request, allowing: {}", uid, e.toString());
      AdmissionResponse response = new AdmissionResponse();
      response.setUid(uid);
      response.setAllowed(true);
      response.setWarnings(List.of(notChecked(e)));
      return answer(response);
    }
    return review(typed);
  }

  /** Answers an AdmissionReview v1 request with its response (uid echoed). */
  public AdmissionReview review(AdmissionReview review) {
    AdmissionRequest request = review.getRequest();
    AdmissionResponse response = new AdmissionResponse();
    response.setUid(request.getUid());
    try {
      Optional<String> denial = denial(request);
      response.setAllowed(denial.isEmpty());
      denial.ifPresent(message -> response.setStatus(new StatusBuilder()
          .withStatus("Failure").withCode(DENIED).withMessage(message).build()));
    } catch (Unchecked e) {
      response.setAllowed(true);
      response.setWarnings(List.of(e.getMessage()));
    } catch (RuntimeException e) {
      LOG.warn("admission of {}/{}: could not check it, allowing: {}", request.getNamespace(), request.getName(),
          e.toString());
      response.setAllowed(true);
      response.setWarnings(List.of(notChecked(e)));
    }
    return answer(response);
  }

  private static AdmissionReview answer(AdmissionResponse response) {
    AdmissionReview answer = new AdmissionReview();
    answer.setApiVersion("admission.k8s.io/v1");
    answer.setKind("AdmissionReview");
    answer.setResponse(response);
    return answer;
  }

  private static String notChecked(RuntimeException e) {
    String detail = e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("");
    return "shadow-mirroring: not checked (" + e.getClass().getSimpleName() + detail
        + "); the server reports invalid annotations as Events";
  }

  /** The reason to refuse the request, or empty to allow it. */
  private Optional<String> denial(AdmissionRequest request) {
    boolean isService = request.getKind() != null && "Service".equals(request.getKind().getKind())
        && (request.getKind().getGroup() == null || request.getKind().getGroup().isEmpty());
    boolean writes = "CREATE".equals(request.getOperation()) || "UPDATE".equals(request.getOperation());
    if (!isService || !writes || request.getObject() == null) {
      return Optional.empty();
    }
    Service service = json.convertValue(request.getObject(), Service.class);
    String namespace = request.getNamespace() != null ? request.getNamespace()
        : service.getMetadata().getNamespace();
    if (namespace == null || !source.watchesNamespace(namespace)) {
      return Optional.empty();
    }
    ServiceInput edited = KubernetesObjects.service(service, namespace);
    Map<String, String> ours = mirrorAnnotations(edited.annotations());
    if (ours.isEmpty()) {
      return Optional.empty();
    }
    if (!source.synced()) {
      throw new Unchecked("shadow-mirroring: not checked, the server has not synced with the cluster yet");
    }
    Optional<InvalidMirrorConfigException> problem = check(edited);
    if (problem.isEmpty()) {
      return Optional.empty();
    }
    String reason = ConfigProblem.reason(edited.ref(), problem.get());
    if ("UPDATE".equals(request.getOperation()) && request.getOldObject() != null
        && ours.equals(mirrorAnnotations(KubernetesObjects.service(
            json.convertValue(request.getOldObject(), Service.class), namespace).annotations()))) {
      // The annotations were already stored as they are (a target deleted since, say): refusing would
      // block every other edit of the Service without making anything better.
      throw new Unchecked("shadow-mirroring: " + reason + " (unchanged by this update, so not refused)");
    }
    return Optional.of(reason);
  }

  private Optional<InvalidMirrorConfigException> check(ServiceInput edited) {
    Map<ServiceRef, ServiceInput> services = new HashMap<>(source.inventory().services().stream()
        .collect(Collectors.toMap(ServiceInput::ref, s -> s, (a, b) -> a)));
    services.put(edited.ref(), edited);
    try {
      Optional<MirrorSpec> spec = parser.parse(edited.ref(), edited.annotations());
      if (spec.isPresent()) {
        resolver.resolve(edited, spec.get(), services);
      }
      return Optional.empty();
    } catch (InvalidMirrorConfigException e) {
      return Optional.of(e);
    }
  }

  private static Map<String, String> mirrorAnnotations(Map<String, String> annotations) {
    return annotations.entrySet().stream()
        .filter(e -> e.getKey().startsWith(MirrorAnnotations.PREFIX))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  /** The request is allowed without a verdict; the message becomes the response's warning. */
  private static final class Unchecked extends RuntimeException {
    Unchecked(String message) {
      super(message, null, false, false);
    }
  }
}
