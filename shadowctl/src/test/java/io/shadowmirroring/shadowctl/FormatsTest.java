package io.shadowmirroring.shadowctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.shadowmirroring.api.admin.v1.Mirror;
import io.shadowmirroring.api.admin.v1.MirrorTarget;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The small value parsers and renderers, on the edge cases the golden files do not reach. */
class FormatsTest {

  @Test
  void percentagesAreWrittenTheWayTheAnnotationWritesThem() {
    assertThat(Formats.percent(100)).isEqualTo("100");
    assertThat(Formats.percent(25)).isEqualTo("25");
    assertThat(Formats.percent(12.5)).isEqualTo("12.5");
    assertThat(Formats.percent(0.0001)).isEqualTo("0.0001");
    assertThat(Formats.percent(0)).isEqualTo("0");
  }

  @Test
  void targetsLeaveOutWhatTheServerLeftEmpty() {
    assertThat(Formats.target(MirrorTarget.newBuilder().setService("shadow").setPercentage(50).build()))
        .isEqualTo("shadow=50");
    assertThat(Formats.target(MirrorTarget.newBuilder()
        .setNamespace("ns").setService("shadow").setPort(8080).setPercentage(100).build()))
        .isEqualTo("ns/shadow:8080=100");
  }

  @Test
  void anUnknownStateShowsItsNumber() {
    assertThat(Formats.state(Mirror.newBuilder().setStateValue(42).build())).isEqualTo("UNKNOWN(42)");
    assertThat(Formats.state(Mirror.getDefaultInstance())).isEqualTo("UNKNOWN");
  }

  @Test
  void timestampsAreUtcToTheSecondAndUnsetIsADash() {
    assertThat(Formats.timestamp(Timestamp.newBuilder().setSeconds(1736933400).setNanos(999_000_000).build()))
        .isEqualTo("2025-01-15T09:30:00Z");
    assertThat(Formats.timestamp(Timestamp.getDefaultInstance())).isEqualTo("-");
  }

  @Test
  void unknownTypeUrlsAreShortenedToTheirMessageName() {
    assertThat(Formats.shortType("type.googleapis.com/envoy.config.route.v3.RouteConfiguration")).isEqualTo("RDS");
    assertThat(Formats.shortType("type.googleapis.com/example.v1.Thing")).isEqualTo("Thing");
  }

  @Test
  void htmlSafeEscapesAreUndoneButEscapedBackslashesAreKept() {
    assertThat(Formats.readable("\"a\\u003db \\u003c\\u003e \\u0026 \\u0027\"")).isEqualTo("\"a=b <> & '\"");
    // A literal backslash followed by the text "u003d" must stay exactly that.
    assertThat(Formats.readable("\"\\\\u003d\"")).isEqualTo("\"\\\\u003d\"");
    // A literal backslash followed by an escaped '='.
    assertThat(Formats.readable("\"\\\\\\u003d\"")).isEqualTo("\"\\\\=\"");
  }

  @Test
  void jsonToYamlKeepsKeyOrderAndWritesWholeNumbersAsIntegers() {
    assertThat(Formats.jsonToYaml("{\"b\": 1, \"a\": [1.5, true, null, \"x\"], \"big\": \"12345678901234567890\"}"))
        .isEqualTo("b: 1\na:\n- 1.5\n- true\n- null\n- x\nbig: '12345678901234567890'\n");
  }

  @Test
  void invalidJsonFromTheServerIsAFailureNotACrash() {
    assertThatThrownBy(() -> Formats.jsonToYaml("{not json"))
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("the server's answer is not valid JSON");
  }

  @Test
  void tablesPadAllButTheLastColumnAndFillEmptyCells() {
    String table = new TableWriter("A", "LONGER", "C").row("xyz", "", "last\nline").row("1", "2", "3").render();
    assertThat(table).isEqualTo("A    LONGER  C\nxyz  -       last line\n1    2       3\n");
  }

  @Test
  void serviceRefsNeedExactlyOneSlashBetweenTwoNames() {
    assertThat(ServiceRef.parse("shadow-demo/app-service")).isEqualTo(new ServiceRef("shadow-demo", "app-service"));
    for (String bad : new String[] {"foo", "/svc", "ns/", "a/b/c", "ns /svc", ""}) {
      assertThatThrownBy(() -> ServiceRef.parse(bad))
          .isInstanceOf(TypeConversionException.class)
          .hasMessage("expected NAMESPACE/SERVICE, got \"" + bad + "\"");
    }
  }

  @Test
  void adminAddressesAreHostColonPortWithBracketsForIpv6() {
    assertThat(AdminAddress.parse("127.0.0.1:18001")).isEqualTo(new AdminAddress("127.0.0.1", 18001));
    assertThat(AdminAddress.parse("admin.svc:443")).isEqualTo(new AdminAddress("admin.svc", 443));
    assertThat(AdminAddress.parse("[::1]:18001")).isEqualTo(new AdminAddress("::1", 18001));
    assertThat(AdminAddress.parse("[::1]:18001").toString()).isEqualTo("[::1]:18001");
    for (String bad : new String[] {"localhost", "host:", ":18001", "host:0", "host:65536", "host:x", "::1:18001"}) {
      assertThatThrownBy(() -> AdminAddress.parse(bad))
          .isInstanceOf(CliException.class)
          .hasMessage("expected --admin HOST:PORT, got \"" + bad + "\"");
    }
  }

  @Test
  void durationsTakeAUnitOrMeanSeconds() {
    assertThat(Durations.parse("45")).isEqualTo(Duration.ofSeconds(45));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofSeconds(120))).isEqualTo("2m");
    assertThatThrownBy(() -> Durations.parse("0s")).isInstanceOf(TypeConversionException.class);
    assertThatThrownBy(() -> Durations.parse("1h")).isInstanceOf(TypeConversionException.class);
  }
}
