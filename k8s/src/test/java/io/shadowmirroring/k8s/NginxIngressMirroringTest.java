package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Method 3 of the seed on ingress-nginx: k8s/manifests/nginx-ingress-mirroring.yaml, with the
 * controller's own annotations (nginx.ingress.kubernetes.io/mirror-target, mirror-host and
 * mirror-request-body, as its annotations reference documents them).
 */
class NginxIngressMirroringTest {
  private static final String PREFIX = "nginx.ingress.kubernetes.io/";

  private final KubeObjects all = KubeObjects.manifests();
  private final Ingress ingress = all.get(Ingress.class, "app-mirroring");

  @Test
  void usesOnlyTheControllersMirrorAnnotations() {
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getMetadata().getAnnotations()).isEqualTo(Map.of(
        PREFIX + "mirror-target", "http://app-shadow-service.shadow-demo.svc.cluster.local$request_uri",
        PREFIX + "mirror-host", "app-service.shadow-demo-shadow",
        PREFIX + "mirror-request-body", "off"));
  }

  @Test
  void routesTheDemosHostToProductionOnAPortTheServiceHas() {
    IngressRule rule = ingress.getSpec().getRules().get(0);
    HTTPIngressPath path = rule.getHttp().getPaths().get(0);
    Service production = all.get(Service.class, path.getBackend().getService().getName());

    assertThat(ingress.getSpec().getRules()).hasSize(1);
    assertThat(rule.getHost()).isEqualTo("app-service.shadow-demo");
    assertThat(path.getPath()).isEqualTo("/");
    assertThat(path.getPathType()).isEqualTo("Prefix");
    assertThat(production.getMetadata().getName()).isEqualTo("app-service");
    assertThat(production.getSpec().getSelector()).containsEntry("version", "production");
    assertThat(production.getSpec().getPorts()).extracting(p -> p.getName())
        .contains(path.getBackend().getService().getPort().getName());
  }

  @Test
  void mirrorsToTheShadowServicesClusterNameWithTheOriginalUri() {
    String target = ingress.getMetadata().getAnnotations().get(PREFIX + "mirror-target");
    URI uri = URI.create(target.replace("$request_uri", "/"));
    String[] dns = uri.getHost().split("\\.");
    Service shadow = all.get(Service.class, dns[0]);

    assertThat(target).endsWith("$request_uri");
    assertThat(uri.getScheme()).isEqualTo("http");
    assertThat(uri.getPort()).as("port 80, the shadow Service's").isEqualTo(-1);
    assertThat(shadow.getSpec().getPorts()).extracting(p -> p.getPort()).contains(80);
    assertThat(dns[1]).isEqualTo(shadow.getMetadata().getNamespace());
    assertThat(String.join(".", dns).substring(dns[0].length() + dns[1].length() + 2)).isEqualTo("svc.cluster.local");
    assertThat(shadow.getSpec().getSelector()).containsEntry("version", "shadow");
  }

  @Test
  void marksCopiesWithTheSameHostSuffixAsEnvoy() {
    String host = ingress.getSpec().getRules().get(0).getHost();

    assertThat(ingress.getMetadata().getAnnotations().get(PREFIX + "mirror-host")).isEqualTo(host + "-shadow");
  }
}
