package io.shadowmirroring.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The unknown-field check the manifest tests rely on does catch a typo. */
class KubeObjectsTest {

  @Test
  void aMisspeltFieldIsReportedWithItsPath() {
    KubeObjects parsed = KubeObjects.parse("""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: typo
        spec:
          template:
            spec:
              containers:
                - name: app
                  image: demo:1
                  readinesProbe:
                    httpGet: {path: /healthz, port: 8080}
        """);

    assertThat(parsed.unknownFields()).singleElement().asString()
        .contains("Deployment/typo").contains("Containers[0]").contains("readinesProbe");
  }

  @Test
  void aCorrectObjectHasNoUnknownFields() {
    KubeObjects parsed = KubeObjects.parse("""
        apiVersion: v1
        kind: Service
        metadata:
          name: fine
        spec:
          ports: [{port: 80, targetPort: http}]
        """);

    assertThat(parsed.ids()).containsExactly("Service/fine");
    assertThat(parsed.unknownFields()).isEmpty();
  }
}
