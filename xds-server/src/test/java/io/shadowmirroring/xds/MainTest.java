package io.shadowmirroring.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad flags get one clear line (and where to find help) and exit code 2, before anything starts. */
class MainTest {

  static Stream<Arguments> badFlags() {
    return Stream.of(
        Arguments.of(new String[] {"--debounce", "5x"}, 2,
            "Invalid value for option '--debounce': '5x' is not a duration; write a number with ms, s or m, like 100ms"),
        Arguments.of(new String[] {"--xds-port", "http"}, 2,
            "Invalid value for option '--xds-port': 'http' is not an int"),
        Arguments.of(new String[] {"--listener-port", "70000", "--source", "."}, 2,
            "--listener-port must be from 1 to 65535, not 70000"),
        Arguments.of(new String[] {"--metrics-port", "-1", "--source", "."}, 2,
            "--metrics-port must be from 0 to 65535, not -1"),
        Arguments.of(new String[] {"--debounce", "2s", "--max-debounce", "1s", "--source", "."}, 2,
            "--debounce must be above 0 and at most --max-debounce (1000ms)"),
        Arguments.of(new String[] {"--shutdown-grace", "10s", "--shutdown-delay", "10s", "--source", "."}, 2,
            "--shutdown-delay (10000ms) must be below --shutdown-grace (10000ms), which must be above 0"),
        Arguments.of(new String[] {"--max-message-size", "lots"}, 2,
            "Invalid value for option '--max-message-size': 'lots' is not a size; write bytes, or a number with KiB or"
                + " MiB, like 32MiB"),
        Arguments.of(new String[] {"--max-message-size", "4096MiB"}, 2,
            "Invalid value for option '--max-message-size': '4096MiB' must be from 1 byte to 2047MiB"),
        Arguments.of(new String[] {"--response-budget", "0"}, 2,
            "Invalid value for option '--response-budget': '0' must be from 1 byte to 2047MiB"),
        Arguments.of(new String[] {"--max-streams-per-connection", "0", "--source", "."}, 2,
            "--max-streams-per-connection must be at least 1, not 0"),
        Arguments.of(new String[] {"--source", "/does/not/exist"}, 2,
            "--source /does/not/exist: not 'kubernetes' and not a directory"),
        Arguments.of(new String[] {"--admin-address", "0.0.0.0", "--source", "."}, 2,
            "refusing to serve the admin API on 0.0.0.0 without --admin-token-file: anyone who can reach it could"
                + " change mirrors"),
        Arguments.of(new String[] {"--tls-cert", "pom.xml", "--source", "."}, 2, "--tls-cert and --tls-key go together"),
        Arguments.of(new String[] {"--admin-token-file", "/no/such/token", "--source", "."}, 2,
            "/no/such/token: no such readable file"),
        Arguments.of(new String[] {"--print-static-config", "--source", "kubernetes"}, 2,
            "--print-static-config needs --source DIR (a directory of YAML)"),
        Arguments.of(new String[] {"--automation-interval", "0s", "--source", "."}, 2,
            "--automation-interval must be above 0"),
        Arguments.of(new String[] {"--lease-namespace", "Shadow_Mirroring", "--source", "."}, 2,
            "--lease-namespace \"Shadow_Mirroring\" is not a namespace name (a DNS-1123 label is expected)"),
        Arguments.of(new String[] {"--expose", "some", "--source", "."}, 2, "--expose must be all or mirrored, not some"),
        Arguments.of(new String[] {"--webhook-port", "18443", "--source", "."}, 2,
            "--webhook-port needs --webhook-cert and --webhook-key (the API server calls webhooks over HTTPS only)"),
        Arguments.of(new String[] {"--webhook-cert", "pom.xml", "--source", "."}, 2,
            "--webhook-cert and --webhook-key need --webhook-port"),
        Arguments.of(new String[] {"--no-such-flag"}, 2, "Unknown option: '--no-such-flag'"));
  }

  @ParameterizedTest
  @MethodSource("badFlags")
  void rejectsBadFlags(String[] args, int exitCode, String firstLine) {
    PrintStream originalErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run(args);
    } finally {
      System.setErr(originalErr);
    }
    assertThat(code).isEqualTo(exitCode);
    assertThat(err.toString(StandardCharsets.UTF_8).lines()).containsExactly(
        "xds-server: " + firstLine, "Run 'xds-server --help' for the flags.");
  }
}
