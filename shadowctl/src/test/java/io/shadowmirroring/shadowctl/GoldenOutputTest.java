package io.shadowmirroring.shadowctl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command, format and error path of the CLI against {@link FakeMirrorAdmin}: stdout and
 * stderr compared to golden files, the exit code to the table below. Addresses and temporary
 * paths are written as ${ADMIN}, ${CLOSED} and ${TMP} in the golden files.
 */
class GoldenOutputTest {
  @TempDir static Path tmp;

  private static TestServer server;
  private static String closed;

  /**
   * One run of the CLI.
   *
   * @param admin whether to prepend {@code --admin ${ADMIN}}
   */
  record Case(String name, int exitCode, boolean admin, Map<String, String> env, List<String> args) {
    @Override
    public String toString() {
      return name + ": shadowctl " + String.join(" ", args);
    }
  }

  @BeforeAll
  static void start() throws IOException {
    server = TestServer.plaintext();
    // A port that was free a moment ago: nothing listens there, so connecting is refused.
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = "127.0.0.1:" + socket.getLocalPort();
    }
    Files.writeString(tmp.resolve("token"), FakeMirrorAdmin.TOKEN + "\n");
    Files.writeString(tmp.resolve("wrong-token"), "not-the-token\n");
    Files.writeString(tmp.resolve("blank-token"), " \n\n");
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.close();
  }

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    // -- help and version
    cases.add(raw("help", 0, "--help"));
    cases.add(raw("help-set", 0, "help", "set"));
    cases.add(raw("version", 0, "--version"));

    // -- mirrors
    cases.add(ok("mirrors", "mirrors"));
    cases.add(ok("mirrors-namespace", "mirrors", "-n", "shadow-demo"));
    cases.add(ok("mirrors-empty", "mirrors", "--namespace", "nowhere"));
    cases.add(ok("mirrors-json", "-o", "json", "mirrors"));
    cases.add(ok("mirrors-yaml", "-o", "yaml", "mirrors"));
    cases.add(ok("mirrors-empty-json", "-o", "json", "mirrors", "-n", "nowhere"));
    // Global options are inherited: they may follow the command's name, and -o is case-blind.
    cases.add(ok("mirrors-json-after-command", "mirrors", "--output", "JSON"));

    // -- get
    cases.add(ok("get", "get", "shadow-demo/app-service"));
    cases.add(ok("get-invalid", "get", "payments/checkout"));
    cases.add(ok("get-promoted", "get", "shop/cart"));
    cases.add(ok("get-notice", "get", "rpc/orders"));
    cases.add(ok("get-json", "-o", "json", "get", "shadow-demo/app-service"));
    cases.add(ok("get-yaml", "-o", "yaml", "get", "payments/checkout"));

    // -- set: the seed's steps, then every option
    cases.add(ok("set", "set", "shadow-demo/app-service", "--to", "app-shadow-service"));
    cases.add(ok("set-percent", "set", "shadow-demo/app-service", "--to", "app-shadow-service", "--percent", "25"));
    cases.add(ok("set-all-options", "set", "shadow-demo/app-service",
        "--to", "app-shadow-service:8080=50,payments/ledger-shadow", "--percent", "25", "--methods", "GET,POST",
        "--keep-host", "--promote", "app-shadow-service", "--wait"));
    cases.add(ok("set-json", "-o", "json", "set", "shadow-demo/app-service", "--to", "app-shadow-service", "--wait"));
    cases.add(ok("set-yaml", "-o", "yaml", "set", "shadow-demo/app-service", "--to", "app-shadow-service"));

    // -- delete, promote, rollback
    cases.add(ok("delete", "delete", "shadow-demo/app-service"));
    cases.add(ok("delete-wait", "delete", "shadow-demo/app-service", "--wait"));
    cases.add(ok("delete-json", "-o", "json", "delete", "shadow-demo/app-service"));
    cases.add(ok("promote", "promote", "shadow-demo/app-service", "app-shadow-service"));
    cases.add(ok("promote-wait-yaml", "-o", "yaml", "promote", "shadow-demo/app-service", "app-shadow-service", "--wait"));
    cases.add(ok("rollback", "rollback", "shadow-demo/app-service"));
    cases.add(ok("rollback-wait", "rollback", "shadow-demo/app-service", "--wait"));
    cases.add(ok("rollback-json", "-o", "json", "rollback", "shadow-demo/app-service"));

    // -- compare
    cases.add(ok("compare", "compare", "shadow-demo/app-service"));
    cases.add(ok("compare-several-targets", "compare", "payments/checkout"));
    cases.add(ok("compare-json", "-o", "json", "compare", "shadow-demo/app-service"));
    cases.add(ok("compare-yaml", "compare", "payments/checkout", "-o", "yaml"));
    cases.add(ok("compare-nothing-judged", "compare", "shop/cart"));
    cases.add(ok("compare-nothing-judged-json", "-o", "json", "compare", "shop/cart"));
    cases.add(raw("help-compare", 0, "help", "compare"));

    // -- proxies, config-dump, watch
    cases.add(ok("proxies", "proxies"));
    cases.add(ok("proxies-json", "-o", "json", "proxies"));
    cases.add(ok("proxies-yaml", "-o", "yaml", "proxies"));
    cases.add(ok("config-dump", "config-dump", "front-envoy-7d9c"));
    cases.add(ok("config-dump-json", "-o", "json", "config-dump", "front-envoy-7d9c"));
    cases.add(ok("config-dump-yaml", "-o", "yaml", "config-dump", "front-envoy-7d9c"));
    cases.add(ok("watch", "watch"));
    cases.add(ok("watch-namespace", "watch", "-n", "shadow-demo"));
    cases.add(ok("watch-json", "-o", "json", "watch"));
    cases.add(ok("watch-yaml", "-o", "yaml", "watch"));

    // -- the token
    cases.add(ok("token", "--token-file", "${TMP}/token", "mirrors", "-n", "shadow-demo"));
    cases.add(fails("token-wrong", 1, "--token-file", "${TMP}/wrong-token", "mirrors"));
    cases.add(fails("token-file-missing", 2, "--token-file", "${TMP}/no-such-token", "mirrors"));
    cases.add(fails("token-file-blank", 2, "--token-file", "${TMP}/blank-token", "mirrors"));

    // -- the server refuses or fails: exit 1, one line
    cases.add(fails("set-percent-too-high", 1, "set", "shadow-demo/app-service", "--to", "app-shadow-service",
        "--percent", "150"));
    cases.add(fails("set-permission-denied", 1, "set", "locked/app", "--to", "app-v2"));
    cases.add(fails("get-not-found", 1, "get", "shadow-demo/nope"));
    cases.add(fails("delete-not-found", 1, "delete", "shadow-demo/nope"));
    cases.add(fails("promote-not-a-target", 1, "promote", "shadow-demo/app-service", "nope"));
    cases.add(fails("config-dump-unknown-node", 1, "config-dump", "no-such-node"));
    cases.add(fails("mirrors-server-unavailable", 1, "mirrors", "-n", "syncing"));
    cases.add(fails("compare-not-found", 1, "compare", "shadow-demo/app-shadow-service"));
    cases.add(fails("compare-unavailable", 1, "compare", "syncing/app"));
    cases.add(fails("get-timeout", 1, "--timeout", "300ms", "get", "shadow-demo/slow"));

    // -- the server cannot be reached: exit 1, one line
    cases.add(raw("unreachable", 1, "--admin", "${CLOSED}", "mirrors"));
    cases.add(new Case("unreachable-from-env", 1, false, Map.of(Main.ENV_ADMIN, "${CLOSED}"), List.of("proxies")));
    // --admin wins over the environment, which wins over the default.
    cases.add(new Case("admin-from-env", 0, false, Map.of(Main.ENV_ADMIN, "${ADMIN}"), List.of("mirrors", "-n", "shop")));
    cases.add(new Case("admin-flag-beats-env", 0, true, Map.of(Main.ENV_ADMIN, "${CLOSED}"), List.of("mirrors", "-n", "shop")));

    // -- usage errors: exit 2, nothing sent
    cases.add(raw("no-command", 2));
    cases.add(raw("unknown-command", 2, "mirror"));
    cases.add(fails("unknown-option", 2, "mirrors", "--bogus"));
    cases.add(fails("bad-output-format", 2, "-o", "xml", "mirrors"));
    cases.add(fails("bad-service-ref", 2, "get", "foo"));
    cases.add(fails("bad-service-ref-extra-slash", 2, "delete", "a/b/c"));
    cases.add(fails("get-missing-service", 2, "get"));
    cases.add(fails("set-missing-to", 2, "set", "shadow-demo/app-service", "--percent", "25"));
    cases.add(fails("promote-missing-target", 2, "promote", "shadow-demo/app-service"));
    cases.add(fails("config-dump-missing-node", 2, "config-dump"));
    cases.add(fails("compare-missing-service", 2, "compare"));
    cases.add(fails("compare-bad-service-ref", 2, "compare", "app-service"));
    cases.add(fails("bad-timeout", 2, "--timeout", "soon", "mirrors"));
    cases.add(raw("bad-admin", 2, "--admin", "localhost", "mirrors"));
    cases.add(fails("ca-file-missing", 2, "--ca-file", "${TMP}/no-such-ca.pem", "mirrors"));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesGolden(Case c) {
    List<String> args = new ArrayList<>();
    if (c.admin()) {
      args.addAll(List.of("--admin", "${ADMIN}"));
    }
    args.addAll(c.args());
    Map<String, String> env = new LinkedHashMap<>();
    c.env().forEach((k, v) -> env.put(k, expand(v)));

    Cli.Result result = Cli.run(env, args.stream().map(GoldenOutputTest::expand).toList());

    Golden.check(c.name(), "out", normalize(result.out()));
    Golden.check(c.name(), "err", normalize(result.err()));
    assertThat(result.exitCode()).as("exit code of %s", c).isEqualTo(c.exitCode());
    if (c.exitCode() != 0) {
      assertThat(result.err()).as("a failure is explained on stderr").startsWith("shadowctl: ");
      assertThat(result.err()).as("never a stack trace").doesNotContain("\tat ", "Exception:");
    }
    if (c.exitCode() == 1) {
      assertThat(result.err().lines()).as("a failed call is one line").hasSize(1);
    }
  }

  private static Case ok(String name, String... args) {
    return new Case(name, 0, true, Map.of(), Arrays.asList(args));
  }

  private static Case fails(String name, int exitCode, String... args) {
    return new Case(name, exitCode, true, Map.of(), Arrays.asList(args));
  }

  private static Case raw(String name, int exitCode, String... args) {
    return new Case(name, exitCode, false, Map.of(), Arrays.asList(args));
  }

  private static String expand(String arg) {
    return arg.replace("${TMP}", tmp.toString()).replace("${ADMIN}", server.address()).replace("${CLOSED}", closed);
  }

  private static String normalize(String text) {
    return text.replace(tmp.toString(), "${TMP}").replace(server.address(), "${ADMIN}").replace(closed, "${CLOSED}");
  }
}
