package io.shadowmirroring.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MirroredHostTest {

  @ParameterizedTest(name = "Host \"{0}\" mirrored: {1}")
  @CsvSource(delimiter = '|', nullValues = "<none>", textBlock = """
      app-service.shadow-demo-shadow:80 | true
      app-service.shadow-demo-shadow    | true
      APP-SERVICE-SHADOW                | true
      app-service.shadow-demo:80        | false
      app-shadow-service                | false
      app-service-shadow.example:8080   | false
      [::1]:8080                        | false
      <none>                            | false
      """)
  void onlyAHostWhoseHostPartEndsInShadowLooksMirrored(String host, boolean mirrored) {
    assertThat(MirroredHost.isMirrored(host)).isEqualTo(mirrored);
  }
}
