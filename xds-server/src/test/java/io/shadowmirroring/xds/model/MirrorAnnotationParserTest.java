package io.shadowmirroring.xds.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("MirrorAnnotationParser: the shadow-mirroring.io/* annotations of one Service")
class MirrorAnnotationParserTest {
  private static final ServiceRef CART = new ServiceRef("shop", "cart");
  private static final String FORMAT_REASON =
      "percentage must be a number from 0 to 100 with at most 4 decimals, like 100 or 12.5";
  private static final String TARGET_SYNTAX = "write [namespace/]service[:port][=percent], comma-separated";
  private static final String KNOWN_KEYS = "shadow-mirroring.io/mirror-to, shadow-mirroring.io/mirror-percentage, "
      + "shadow-mirroring.io/mirror-methods, shadow-mirroring.io/promote, shadow-mirroring.io/keep-host, "
      + "shadow-mirroring.io/mirror-limits, shadow-mirroring.io/analysis, shadow-mirroring.io/auto-promote, "
      + "shadow-mirroring.io/auto-abort, shadow-mirroring.io/expose";
  private static final String ANALYSIS_SETTINGS =
      "window, min-requests, max-error-rate-increase, max-p50-ratio, max-p99-ratio, confidence";
  private static final String LIMIT_SETTINGS = "max-connections, max-pending-requests, max-requests";

  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();

  /** Annotations from alternating short keys and values; a short key gets the product prefix. */
  private static Map<String, String> annotations(String... keysAndValues) {
    Map<String, String> result = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      String key = keysAndValues[i];
      result.put(key.contains("/") ? key : MirrorAnnotations.PREFIX + key, keysAndValues[i + 1]);
    }
    return result;
  }

  private MirrorSpec parseValid(Map<String, String> annotations) throws InvalidMirrorConfigException {
    Optional<MirrorSpec> spec = parser.parse(CART, annotations);
    assertThat(spec).as("a mirror spec for %s", annotations).isPresent();
    return spec.get();
  }

  @Nested
  @DisplayName("rejects invalid annotations with one exact message naming key, value and reason")
  class InvalidAnnotations {

    static Stream<Arguments> invalidCases() {
      String tooLong = "a".repeat(2049);
      return Stream.of(
          arguments("an unknown key under the prefix (a likely typo)",
              annotations("mirror-too", "cart-v2"),
              "shadow-mirroring.io/mirror-too=\"cart-v2\": unknown annotation; known keys are "
                  + KNOWN_KEYS),
          arguments("an unknown key even when mirror-to is valid",
              annotations("mirror-to", "cart-v2", "mirror-percent", "50"),
              "shadow-mirroring.io/mirror-percent=\"50\": unknown annotation; known keys are "
                  + KNOWN_KEYS),
          arguments("an absurdly long value, abbreviated in the message",
              annotations("mirror-to", tooLong),
              "shadow-mirroring.io/mirror-to=\"" + "a".repeat(117) + "...\": "
                  + "value is 2049 characters long; the limit is 2048"),

          arguments("mirror-percentage that is not a number",
              annotations("mirror-to", "cart-v2", "mirror-percentage", "half"),
              "shadow-mirroring.io/mirror-percentage=\"half\": " + FORMAT_REASON),
          arguments("mirror-percentage that is negative",
              annotations("mirror-to", "cart-v2", "mirror-percentage", "-1"),
              "shadow-mirroring.io/mirror-percentage=\"-1\": " + FORMAT_REASON),
          arguments("mirror-percentage in exponent notation",
              annotations("mirror-to", "cart-v2", "mirror-percentage", "1e2"),
              "shadow-mirroring.io/mirror-percentage=\"1e2\": " + FORMAT_REASON),
          arguments("mirror-percentage with a percent sign",
              annotations("mirror-to", "cart-v2", "mirror-percentage", "50%"),
              "shadow-mirroring.io/mirror-percentage=\"50%\": " + FORMAT_REASON),
          arguments("mirror-percentage with 5 decimals",
              annotations("mirror-to", "cart-v2", "mirror-percentage", "12.34567"),
              "shadow-mirroring.io/mirror-percentage=\"12.34567\": " + FORMAT_REASON),
          arguments("mirror-percentage that is empty",
              annotations("mirror-to", "cart-v2", "mirror-percentage", ""),
              "shadow-mirroring.io/mirror-percentage=\"\": " + FORMAT_REASON),
          arguments("mirror-percentage just above 100",
              annotations("mirror-to", "cart-v2", "mirror-percentage", "100.0001"),
              "shadow-mirroring.io/mirror-percentage=\"100.0001\": percentage must not exceed 100"),
          arguments("mirror-percentage of 101",
              annotations("mirror-to", "cart-v2", "mirror-percentage", "101"),
              "shadow-mirroring.io/mirror-percentage=\"101\": percentage must not exceed 100"),

          arguments("a target percentage above 100",
              annotations("mirror-to", "cart-v2=150"),
              "shadow-mirroring.io/mirror-to=\"cart-v2=150\": target cart-v2=150: percentage must not exceed 100"),
          arguments("a malformed target percentage",
              annotations("mirror-to", "cart-v2,cart-canary=5%"),
              "shadow-mirroring.io/mirror-to=\"cart-v2,cart-canary=5%\": target cart-canary=5%: " + FORMAT_REASON),
          arguments("a target percentage with 5 decimals",
              annotations("mirror-to", "cart-v2:http=0.00001"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:http=0.00001\": target cart-v2:http=0.00001: "
                  + FORMAT_REASON),
          arguments("an empty target percentage",
              annotations("mirror-to", "cart-v2="),
              "shadow-mirroring.io/mirror-to=\"cart-v2=\": target cart-v2=: " + FORMAT_REASON),

          arguments("an empty mirror-to",
              annotations("mirror-to", ""),
              "shadow-mirroring.io/mirror-to=\"\": no target; " + TARGET_SYNTAX),
          arguments("a blank mirror-to",
              annotations("mirror-to", "   "),
              "shadow-mirroring.io/mirror-to=\"   \": no target; " + TARGET_SYNTAX),
          arguments("an empty entry between commas",
              annotations("mirror-to", "cart-v2,,cart-canary"),
              "shadow-mirroring.io/mirror-to=\"cart-v2,,cart-canary\": malformed target \"\"; " + TARGET_SYNTAX),
          arguments("a trailing comma",
              annotations("mirror-to", "cart-v2,"),
              "shadow-mirroring.io/mirror-to=\"cart-v2,\": malformed target \"\"; " + TARGET_SYNTAX),
          arguments("a target with two slashes",
              annotations("mirror-to", "shop/cart/v2"),
              "shadow-mirroring.io/mirror-to=\"shop/cart/v2\": malformed target \"shop/cart/v2\"; " + TARGET_SYNTAX),
          arguments("a target with two ports",
              annotations("mirror-to", "cart-v2:80:81"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:80:81\": malformed target \"cart-v2:80:81\"; "
                  + TARGET_SYNTAX),
          arguments("a percentage written before the port",
              annotations("mirror-to", "cart-v2=10:80"),
              "shadow-mirroring.io/mirror-to=\"cart-v2=10:80\": malformed target \"cart-v2=10:80\"; "
                  + TARGET_SYNTAX),

          arguments("a namespace with capitals",
              annotations("mirror-to", "Shop/cart-v2"),
              "shadow-mirroring.io/mirror-to=\"Shop/cart-v2\": target Shop/cart-v2 has an invalid namespace "
                  + "\"Shop\" (a DNS-1123 label is expected)"),
          arguments("an empty namespace",
              annotations("mirror-to", "/cart-v2"),
              "shadow-mirroring.io/mirror-to=\"/cart-v2\": target /cart-v2 has an invalid namespace "
                  + "\"\" (a DNS-1123 label is expected)"),
          arguments("a service name with an underscore",
              annotations("mirror-to", "cart_v2"),
              "shadow-mirroring.io/mirror-to=\"cart_v2\": target cart_v2 has an invalid service name "
                  + "\"cart_v2\" (a DNS-1123 label is expected)"),
          arguments("a service name starting with a dash",
              annotations("mirror-to", "staging/-cart"),
              "shadow-mirroring.io/mirror-to=\"staging/-cart\": target staging/-cart has an invalid service name "
                  + "\"-cart\" (a DNS-1123 label is expected)"),
          arguments("a namespace without a service name",
              annotations("mirror-to", "staging/"),
              "shadow-mirroring.io/mirror-to=\"staging/\": target staging/ has an invalid service name "
                  + "\"\" (a DNS-1123 label is expected)"),
          arguments("a service name longer than 63 characters",
              annotations("mirror-to", "c".repeat(64)),
              "shadow-mirroring.io/mirror-to=\"" + "c".repeat(64) + "\": target " + "c".repeat(64)
                  + " has an invalid service name \"" + "c".repeat(64) + "\" (a DNS-1123 label is expected)"),

          arguments("port 0",
              annotations("mirror-to", "cart-v2:0"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:0\": target cart-v2:0 has an invalid port \"0\" "
                  + "(a number from 1 to 65535 or a port name)"),
          arguments("port 65536",
              annotations("mirror-to", "cart-v2:65536"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:65536\": target cart-v2:65536 has an invalid port \"65536\" "
                  + "(a number from 1 to 65535 or a port name)"),
          arguments("a port of six digits",
              annotations("mirror-to", "cart-v2:100000"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:100000\": target cart-v2:100000 has an invalid port "
                  + "\"100000\" (a number from 1 to 65535 or a port name)"),
          arguments("an empty port",
              annotations("mirror-to", "cart-v2:"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:\": target cart-v2: has an invalid port \"\" "
                  + "(a number from 1 to 65535 or a port name)"),
          arguments("a port name with capitals",
              annotations("mirror-to", "cart-v2:HTTP"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:HTTP\": target cart-v2:HTTP has an invalid port \"HTTP\" "
                  + "(a number from 1 to 65535 or a port name)"),
          arguments("a port name longer than 15 characters",
              annotations("mirror-to", "cart-v2:http-alternative-1"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:http-alternative-1\": target cart-v2:http-alternative-1 "
                  + "has an invalid port \"http-alternative-1\" (a number from 1 to 65535 or a port name)"),

          arguments("a target that is the primary itself",
              annotations("mirror-to", "cart"),
              "shadow-mirroring.io/mirror-to=\"cart\": target cart is the Service itself; "
                  + "mirror to another Service"),
          arguments("a target that is the primary itself, namespace spelled out, with port",
              annotations("mirror-to", "cart-v2,shop/cart:80=5"),
              "shadow-mirroring.io/mirror-to=\"cart-v2,shop/cart:80=5\": target shop/cart:80=5 is the Service "
                  + "itself; mirror to another Service"),
          arguments("the same target twice",
              annotations("mirror-to", "cart-v2,cart-v2"),
              "shadow-mirroring.io/mirror-to=\"cart-v2,cart-v2\": duplicate target cart-v2"),
          arguments("the same target twice, once with the default namespace spelled out",
              annotations("mirror-to", "cart-v2, shop/cart-v2"),
              "shadow-mirroring.io/mirror-to=\"cart-v2, shop/cart-v2\": duplicate target shop/cart-v2"),
          arguments("the same target twice with different percentages",
              annotations("mirror-to", "cart-v2=10,cart-v2=20"),
              "shadow-mirroring.io/mirror-to=\"cart-v2=10,cart-v2=20\": duplicate target cart-v2=20"),
          arguments("the same target and port twice",
              annotations("mirror-to", "cart-v2:http,cart-v2:http=5"),
              "shadow-mirroring.io/mirror-to=\"cart-v2:http,cart-v2:http=5\": duplicate target cart-v2:http=5"),

          arguments("promote naming a Service that is not a target",
              annotations("mirror-to", "cart-v2,cart-canary", "promote", "cart-v3"),
              "shadow-mirroring.io/promote=\"cart-v3\": promote must name one of the targets in "
                  + "shadow-mirroring.io/mirror-to (shop/cart-v2, shop/cart-canary)"),
          arguments("promote naming a target's name in another namespace",
              annotations("mirror-to", "cart-v2", "promote", "staging/cart-v2"),
              "shadow-mirroring.io/promote=\"staging/cart-v2\": promote must name one of the targets in "
                  + "shadow-mirroring.io/mirror-to (shop/cart-v2)"),
          arguments("promote naming the primary itself",
              annotations("mirror-to", "cart-v2", "promote", "cart"),
              "shadow-mirroring.io/promote=\"cart\": promote must name one of the targets in "
                  + "shadow-mirroring.io/mirror-to (shop/cart-v2)"),
          arguments("promote listing a Service once even when it is a target on two ports",
              annotations("mirror-to", "cart-v2:80,cart-v2:8080", "promote", "cart-v2:80"),
              "shadow-mirroring.io/promote=\"cart-v2:80\": promote must name one of the targets in "
                  + "shadow-mirroring.io/mirror-to (shop/cart-v2)"),
          arguments("promote naming a Service that mirror-to lists on two ports",
              annotations("mirror-to", "cart-v2:80,cart-v2:8080", "promote", "cart-v2"),
              "shadow-mirroring.io/promote=\"cart-v2\": promote names shop/cart-v2, which "
                  + "shadow-mirroring.io/mirror-to lists 2 times; promote a Service that is listed once"),
          arguments("promote without mirror-to",
              annotations("promote", "cart-v2"),
              "shadow-mirroring.io/promote=\"cart-v2\": promote names a target of shadow-mirroring.io/mirror-to, "
                  + "which is not set"),

          arguments("a method that is not a token",
              annotations("mirror-to", "cart-v2", "mirror-methods", "GET,P0ST"),
              "shadow-mirroring.io/mirror-methods=\"GET,P0ST\": \"P0ST\" is not an HTTP method; "
                  + "write a comma-separated list like GET,HEAD or *"),
          arguments("methods separated by spaces only",
              annotations("mirror-to", "cart-v2", "mirror-methods", "GET HEAD"),
              "shadow-mirroring.io/mirror-methods=\"GET HEAD\": \"GET HEAD\" is not an HTTP method; "
                  + "write a comma-separated list like GET,HEAD or *"),
          arguments("an empty method between commas",
              annotations("mirror-to", "cart-v2", "mirror-methods", "GET,,HEAD"),
              "shadow-mirroring.io/mirror-methods=\"GET,,HEAD\": \"\" is not an HTTP method; "
                  + "write a comma-separated list like GET,HEAD or *"),
          arguments("empty methods",
              annotations("mirror-to", "cart-v2", "mirror-methods", ""),
              "shadow-mirroring.io/mirror-methods=\"\": \"\" is not an HTTP method; "
                  + "write a comma-separated list like GET,HEAD or *"),
          arguments("* combined with a method",
              annotations("mirror-to", "cart-v2", "mirror-methods", "GET,*"),
              "shadow-mirroring.io/mirror-methods=\"GET,*\": \"*\" means every method and cannot be combined "
                  + "with others"),
          arguments("CONNECT, which Envoy cannot mirror",
              annotations("mirror-to", "cart-v2", "mirror-methods", "GET,connect"),
              "shadow-mirroring.io/mirror-methods=\"GET,connect\": CONNECT requests cannot be mirrored by Envoy"),

          arguments("keep-host that is not true or false",
              annotations("mirror-to", "cart-v2", "keep-host", "yes"),
              "shadow-mirroring.io/keep-host=\"yes\": must be \"true\" or \"false\""),
          arguments("keep-host in capitals",
              annotations("mirror-to", "cart-v2", "keep-host", "True"),
              "shadow-mirroring.io/keep-host=\"True\": must be \"true\" or \"false\""),
          arguments("an empty keep-host",
              annotations("mirror-to", "cart-v2", "keep-host", ""),
              "shadow-mirroring.io/keep-host=\"\": must be \"true\" or \"false\""),
          arguments("expose that is not true or false, on a Service that mirrors nothing",
              annotations("expose", "yes"),
              "shadow-mirroring.io/expose=\"yes\": must be \"true\" or \"false\""),

          arguments("several problems: the unknown key is reported first",
              annotations("mirror-to", "", "mirror-percentage", "x", "mirrror-methods", "GET"),
              "shadow-mirroring.io/mirrror-methods=\"GET\": unknown annotation; known keys are "
                  + KNOWN_KEYS),
          arguments("several problems: mirror-percentage is checked before mirror-methods and mirror-to",
              annotations("mirror-to", "", "mirror-methods", "CONNECT", "mirror-percentage", "x"),
              "shadow-mirroring.io/mirror-percentage=\"x\": " + FORMAT_REASON),
          arguments("a bad mirror-percentage is reported even without mirror-to",
              annotations("mirror-percentage", "200"),
              "shadow-mirroring.io/mirror-percentage=\"200\": percentage must not exceed 100"),

          arguments("mirror-limits with an unknown setting",
              annotations("mirror-to", "cart-v2", "mirror-limits", "max-connections=10,max-retries=3"),
              "shadow-mirroring.io/mirror-limits=\"max-connections=10,max-retries=3\": unknown setting "
                  + "\"max-retries\"; known settings are " + LIMIT_SETTINGS),
          arguments("mirror-limits with a setting twice",
              annotations("mirror-to", "cart-v2", "mirror-limits", "max-requests=10, max-requests=20"),
              "shadow-mirroring.io/mirror-limits=\"max-requests=10, max-requests=20\": duplicate setting "
                  + "\"max-requests\""),
          arguments("mirror-limits of 0",
              annotations("mirror-to", "cart-v2", "mirror-limits", "max-pending-requests=0"),
              "shadow-mirroring.io/mirror-limits=\"max-pending-requests=0\": max-pending-requests \"0\" must be "
                  + "a whole number from 1 to 100000"),
          arguments("mirror-limits above 100000",
              annotations("mirror-to", "cart-v2", "mirror-limits", "max-connections=100001"),
              "shadow-mirroring.io/mirror-limits=\"max-connections=100001\": max-connections \"100001\" must be "
                  + "a whole number from 1 to 100000"),
          arguments("mirror-limits that is not a whole number",
              annotations("mirror-to", "cart-v2", "mirror-limits", "max-requests=1.5"),
              "shadow-mirroring.io/mirror-limits=\"max-requests=1.5\": max-requests \"1.5\" must be "
                  + "a whole number from 1 to 100000"),
          arguments("mirror-limits with an empty value",
              annotations("mirror-to", "cart-v2", "mirror-limits", "max-requests="),
              "shadow-mirroring.io/mirror-limits=\"max-requests=\": max-requests \"\" must be "
                  + "a whole number from 1 to 100000"),
          arguments("mirror-limits without '='",
              annotations("mirror-to", "cart-v2", "mirror-limits", "100"),
              "shadow-mirroring.io/mirror-limits=\"100\": malformed setting \"100\"; write setting=value pairs, "
                  + "comma-separated, like max-connections=100,max-requests=100"),
          arguments("an empty mirror-limits",
              annotations("mirror-to", "cart-v2", "mirror-limits", ""),
              "shadow-mirroring.io/mirror-limits=\"\": malformed setting \"\"; write setting=value pairs, "
                  + "comma-separated, like max-connections=100,max-requests=100"),
          arguments("mirror-limits with a trailing comma",
              annotations("mirror-to", "cart-v2", "mirror-limits", "max-requests=5,"),
              "shadow-mirroring.io/mirror-limits=\"max-requests=5,\": malformed setting \"\"; write setting=value "
                  + "pairs, comma-separated, like max-connections=100,max-requests=100"),

          arguments("analysis with an unknown setting",
              annotations("mirror-to", "cart-v2", "analysis", "window=5m,max-p90-ratio=2"),
              "shadow-mirroring.io/analysis=\"window=5m,max-p90-ratio=2\": unknown setting \"max-p90-ratio\"; "
                  + "known settings are " + ANALYSIS_SETTINGS),
          arguments("analysis with a setting twice",
              annotations("mirror-to", "cart-v2", "analysis", "window=5m,window=10m"),
              "shadow-mirroring.io/analysis=\"window=5m,window=10m\": duplicate setting \"window\""),
          arguments("analysis without '='",
              annotations("mirror-to", "cart-v2", "analysis", "window:5m"),
              "shadow-mirroring.io/analysis=\"window:5m\": malformed setting \"window:5m\"; write setting=value "
                  + "pairs, comma-separated, like window=5m,min-requests=200"),
          arguments("analysis with a value but no setting name",
              annotations("mirror-to", "cart-v2", "analysis", "=5m"),
              "shadow-mirroring.io/analysis=\"=5m\": malformed setting \"=5m\"; write setting=value "
                  + "pairs, comma-separated, like window=5m,min-requests=200"),
          arguments("a window without a unit",
              annotations("mirror-to", "cart-v2", "analysis", "window=300"),
              "shadow-mirroring.io/analysis=\"window=300\": window \"300\" is not a duration; write a whole "
                  + "number of s, m or h, like 30s, 5m or 1h"),
          arguments("a window in days",
              annotations("mirror-to", "cart-v2", "analysis", "window=1d"),
              "shadow-mirroring.io/analysis=\"window=1d\": window \"1d\" is not a duration; write a whole "
                  + "number of s, m or h, like 30s, 5m or 1h"),
          arguments("a window with two units",
              annotations("mirror-to", "cart-v2", "analysis", "window=1h30m"),
              "shadow-mirroring.io/analysis=\"window=1h30m\": window \"1h30m\" is not a duration; write a whole "
                  + "number of s, m or h, like 30s, 5m or 1h"),
          arguments("a window under a minute",
              annotations("mirror-to", "cart-v2", "analysis", "window=59s"),
              "shadow-mirroring.io/analysis=\"window=59s\": window \"59s\" must be from 1m to 24h"),
          arguments("a window over a day",
              annotations("mirror-to", "cart-v2", "analysis", "window=25h"),
              "shadow-mirroring.io/analysis=\"window=25h\": window \"25h\" must be from 1m to 24h"),
          arguments("min-requests of 0",
              annotations("mirror-to", "cart-v2", "analysis", "min-requests=0"),
              "shadow-mirroring.io/analysis=\"min-requests=0\": min-requests \"0\" must be a whole number of "
                  + "at least 1"),
          arguments("min-requests that is negative",
              annotations("mirror-to", "cart-v2", "analysis", "min-requests=-5"),
              "shadow-mirroring.io/analysis=\"min-requests=-5\": min-requests \"-5\" must be a whole number of "
                  + "at least 1"),
          arguments("max-error-rate-increase above 100",
              annotations("mirror-to", "cart-v2", "analysis", "max-error-rate-increase=100.5"),
              "shadow-mirroring.io/analysis=\"max-error-rate-increase=100.5\": max-error-rate-increase "
                  + "\"100.5\" must be a number from 0 to 100 percentage points"),
          arguments("max-error-rate-increase with a percent sign",
              annotations("mirror-to", "cart-v2", "analysis", "max-error-rate-increase=1%"),
              "shadow-mirroring.io/analysis=\"max-error-rate-increase=1%\": max-error-rate-increase "
                  + "\"1%\" must be a number from 0 to 100 percentage points"),
          arguments("max-p99-ratio under 1",
              annotations("mirror-to", "cart-v2", "analysis", "max-p99-ratio=0.9"),
              "shadow-mirroring.io/analysis=\"max-p99-ratio=0.9\": max-p99-ratio \"0.9\" must be a number "
                  + "from 1 to 100"),
          arguments("max-p50-ratio above 100",
              annotations("mirror-to", "cart-v2", "analysis", "max-p50-ratio=101"),
              "shadow-mirroring.io/analysis=\"max-p50-ratio=101\": max-p50-ratio \"101\" must be a number "
                  + "from 1 to 100"),
          arguments("max-p50-ratio in exponent notation",
              annotations("mirror-to", "cart-v2", "analysis", "max-p50-ratio=1e1"),
              "shadow-mirroring.io/analysis=\"max-p50-ratio=1e1\": max-p50-ratio \"1e1\" must be a number "
                  + "from 1 to 100"),
          arguments("max-p99-ratio that is NaN",
              annotations("mirror-to", "cart-v2", "analysis", "max-p99-ratio=NaN"),
              "shadow-mirroring.io/analysis=\"max-p99-ratio=NaN\": max-p99-ratio \"NaN\" must be a number "
                  + "from 1 to 100"),
          arguments("confidence of 1",
              annotations("mirror-to", "cart-v2", "analysis", "confidence=1"),
              "shadow-mirroring.io/analysis=\"confidence=1\": confidence \"1\" must be a number from 0.5 to "
                  + "0.9999"),
          arguments("confidence under 0.5",
              annotations("mirror-to", "cart-v2", "analysis", "confidence=0.49"),
              "shadow-mirroring.io/analysis=\"confidence=0.49\": confidence \"0.49\" must be a number from 0.5 "
                  + "to 0.9999"),
          arguments("confidence written as a percentage",
              annotations("mirror-to", "cart-v2", "analysis", "confidence=98"),
              "shadow-mirroring.io/analysis=\"confidence=98\": confidence \"98\" must be a number from 0.5 to "
                  + "0.9999"),
          arguments("a bad analysis is reported even without mirror-to",
              annotations("analysis", "window=0m"),
              "shadow-mirroring.io/analysis=\"window=0m\": window \"0m\" must be from 1m to 24h"),

          arguments("auto-promote that is not true or false",
              annotations("mirror-to", "cart-v2", "auto-promote", "yes"),
              "shadow-mirroring.io/auto-promote=\"yes\": must be \"true\" or \"false\""),
          arguments("auto-abort that is not true or false",
              annotations("mirror-to", "cart-v2", "auto-abort", "1"),
              "shadow-mirroring.io/auto-abort=\"1\": must be \"true\" or \"false\""),
          arguments("a bad auto-abort is reported even without mirror-to",
              annotations("auto-abort", "on"),
              "shadow-mirroring.io/auto-abort=\"on\": must be \"true\" or \"false\""),
          arguments("several problems: mirror-limits is checked before analysis",
              annotations("mirror-to", "cart-v2", "analysis", "window=1s", "mirror-limits", "max-requests=0"),
              "shadow-mirroring.io/mirror-limits=\"max-requests=0\": max-requests \"0\" must be a whole number "
                  + "from 1 to 100000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidCases")
    void rejectsWithExactMessage(String description, Map<String, String> annotations, String expectedMessage) {
      assertThatThrownBy(() -> parser.parse(CART, annotations))
          .isInstanceOf(InvalidMirrorConfigException.class)
          .hasMessage(expectedMessage);
    }

    @Test
    void theExceptionKeepsKeyValueAndReasonApart() {
      InvalidMirrorConfigException e = catchThrowableOfType(InvalidMirrorConfigException.class,
          () -> parser.parse(CART, annotations("mirror-to", "cart-v2=150")));

      assertThat(e.key()).isEqualTo("shadow-mirroring.io/mirror-to");
      assertThat(e.value()).isEqualTo("cart-v2=150");
      assertThat(e.reason()).isEqualTo("target cart-v2=150: percentage must not exceed 100");
    }

    @Test
    void theMessageStaysOnOneLineWhenTheValueSpansLines() {
      InvalidMirrorConfigException e = catchThrowableOfType(InvalidMirrorConfigException.class,
          () -> parser.parse(CART, annotations("mirror-to", "cart-v2\ncart-canary\n")));

      assertThat(e.getMessage())
          .isEqualTo("shadow-mirroring.io/mirror-to=\"cart-v2 cart-canary \": target cart-v2 cart-canary has an "
              + "invalid service name \"cart-v2 cart-canary\" (a DNS-1123 label is expected)")
          .doesNotContain("\n");
    }

    @Test
    void aValueOfExactlyTheLimitIsStillParsed() throws InvalidMirrorConfigException {
      String padded = " ".repeat(MirrorAnnotations.MAX_VALUE_LENGTH - 2) + "50";

      MirrorSpec spec = parseValid(annotations("mirror-to", "cart-v2", "mirror-percentage", padded));

      assertThat(spec.defaultMillionths()).isEqualTo(500_000);
    }

    @Test
    void aLongValueUnderAnotherPrefixIsNotOurs() throws InvalidMirrorConfigException {
      Map<String, String> annotations = annotations(
          "kubectl.kubernetes.io/last-applied-configuration", "{}".repeat(5000), "mirror-to", "cart-v2");

      assertThat(parseValid(annotations).targets()).hasSize(1);
    }
  }

  @Nested
  @DisplayName("accepts valid annotations")
  class ValidAnnotations {

    @Test
    void withoutMirrorToThereIsNoMirror() throws InvalidMirrorConfigException {
      assertThat(parser.parse(CART, Map.of())).isEmpty();
      assertThat(parser.parse(CART, annotations("app.kubernetes.io/name", "cart"))).isEmpty();
      assertThat(parser.parse(CART, annotations("mirror-percentage", "50", "mirror-methods", "*", "keep-host",
          "true"))).isEmpty();
    }

    @Test
    void onlyMirrorToMeansEverySafeRequestToTheTargetInTheSameNamespace() throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", "cart-v2"));

      assertThat(spec).isEqualTo(new MirrorSpec(
          List.of(new TargetSpec(new ServiceRef("shop", "cart-v2"), Optional.empty(), OptionalInt.empty())),
          1_000_000, MethodSet.DEFAULT, Optional.empty(), false));
      assertThat(spec.methods().methods()).containsExactly("GET", "HEAD", "OPTIONS");
      assertThat(spec.methods().annotationValue()).isEqualTo("GET,HEAD,OPTIONS");
    }

    static Stream<Arguments> targetCases() {
      return Stream.of(
          arguments("cart-v2", "shop", "cart-v2", null, null),
          arguments("staging/cart-v2", "staging", "cart-v2", null, null),
          arguments("staging/cart", "staging", "cart", null, null),
          arguments("cart-v2:8080", "shop", "cart-v2", "8080", null),
          arguments("cart-v2:http", "shop", "cart-v2", "http", null),
          arguments("cart-v2:65535", "shop", "cart-v2", "65535", null),
          arguments("cart-v2=12.5", "shop", "cart-v2", null, 125_000),
          arguments("cart-v2=0", "shop", "cart-v2", null, 0),
          arguments("staging/cart-v2:grpc-web=0.0001", "staging", "cart-v2", "grpc-web", 1),
          arguments("  staging/cart-v2:http=100  ", "staging", "cart-v2", "http", 1_000_000));
    }

    @ParameterizedTest(name = "mirror-to \"{0}\" targets {1}/{2} port {3} percent(millionths) {4}")
    @MethodSource("targetCases")
    void parsesOneTarget(String mirrorTo, String namespace, String name, String port, Integer millionths)
        throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", mirrorTo));

      assertThat(spec.targets()).containsExactly(new TargetSpec(new ServiceRef(namespace, name),
          Optional.ofNullable(port), millionths == null ? OptionalInt.empty() : OptionalInt.of(millionths)));
    }

    @Test
    void aTargetPercentageOverridesTheDefaultPercentageForThatTargetOnly() throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations(
          "mirror-to", "cart-v2, cart-canary=12.5", "mirror-percentage", "29"));

      assertThat(spec.defaultMillionths()).isEqualTo(290_000);
      assertThat(spec.targets()).extracting(spec::millionthsFor).containsExactly(290_000, 125_000);
      assertThat(spec.targets()).extracting(TargetSpec::annotationValue)
          .containsExactly("shop/cart-v2", "shop/cart-canary=12.5");
    }

    @Test
    void theSameServiceMayBeATargetOnTwoDifferentPorts() throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", "cart-v2:http,cart-v2:admin"));

      assertThat(spec.targets()).extracting(t -> t.port().orElseThrow()).containsExactly("http", "admin");
    }

    @ParameterizedTest(name = "mirror-methods \"{0}\" is {1}")
    @CsvSource(delimiter = ';', value = {
        "GET;                 GET",
        "get,head;            GET,HEAD",
        "' POST , get ';      GET,POST",
        "OPTIONS,GET,GET;     GET,OPTIONS",
        "PUT,DELETE,PATCH;    DELETE,PATCH,PUT",
        "M-SEARCH;            M-SEARCH",
        "*;                   *",
        "' * ';               *",
    })
    void normalisesMethods(String annotation, String expected) throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", "cart-v2", "mirror-methods", annotation));

      assertThat(spec.methods().annotationValue()).isEqualTo(expected);
      assertThat(spec.methods().all()).isEqualTo(expected.equals("*"));
    }

    @Test
    void starMeansEveryMethod() throws InvalidMirrorConfigException {
      assertThat(parseValid(annotations("mirror-to", "cart-v2", "mirror-methods", "*")).methods())
          .isEqualTo(MethodSet.ALL);
    }

    @ParameterizedTest(name = "keep-host \"{0}\" is {1}")
    @CsvSource({"true, true", "false, false", "' true', true"})
    void readsKeepHost(String annotation, boolean expected) throws InvalidMirrorConfigException {
      assertThat(parseValid(annotations("mirror-to", "cart-v2", "keep-host", annotation)).keepHost())
          .isEqualTo(expected);
    }

    @ParameterizedTest(name = "promote \"{1}\" with mirror-to \"{0}\" promotes {2}")
    @CsvSource({
        "'cart-v2,cart-canary',            cart-v2,          shop/cart-v2",
        "'cart-v2,cart-canary',            ' shop/cart-canary ', shop/cart-canary",
        "'staging/cart-v2,cart-canary',    staging/cart-v2,  staging/cart-v2",
        "'cart-v2:http=50',                cart-v2,          shop/cart-v2",
    })
    void promotesATarget(String mirrorTo, String promote, String expected) throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", mirrorTo, "promote", promote));

      assertThat(spec.promote()).contains(ServiceRef.parse(expected, "unused"));
    }

    @Test
    void aFullSpecificationParsesIntoEveryField() throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations(
          "mirror-to", "cart-v2,staging/cart-canary:8080=0.5",
          "mirror-percentage", "29",
          "mirror-methods", "get,post",
          "promote", "cart-v2",
          "keep-host", "true"));

      assertThat(spec).isEqualTo(new MirrorSpec(
          List.of(new TargetSpec(new ServiceRef("shop", "cart-v2"), Optional.empty(), OptionalInt.empty()),
              new TargetSpec(new ServiceRef("staging", "cart-canary"), Optional.of("8080"), OptionalInt.of(5_000))),
          290_000, MethodSet.of(java.util.Set.of("GET", "POST")), Optional.of(new ServiceRef("shop", "cart-v2")),
          true));
    }

    @Test
    void withoutTheNewKeysASpecHasDefaultLimitsAndAnalysisAndNoAutomation() throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", "cart-v2"));

      assertThat(spec.limits()).isEqualTo(new MirrorLimits(100, 50, 100)).isEqualTo(MirrorLimits.DEFAULT);
      assertThat(spec.analysis()).isEqualTo(new AnalysisSettings(Duration.ofMinutes(5), 200, 1.0, 1.25, 1.25, 0.98))
          .isEqualTo(AnalysisSettings.DEFAULT);
      assertThat(spec.autoPromote()).isFalse();
      assertThat(spec.autoAbort()).isFalse();
    }

    static Stream<Arguments> limitCases() {
      return Stream.of(
          arguments("max-connections=10,max-pending-requests=5,max-requests=20", new MirrorLimits(10, 5, 20)),
          arguments("max-requests=1", new MirrorLimits(100, 50, 1)),
          arguments(" max-pending-requests = 100000 ", new MirrorLimits(100, 100_000, 100)),
          arguments("max-requests=7,max-connections=3", new MirrorLimits(3, 50, 7)));
    }

    @ParameterizedTest(name = "mirror-limits \"{0}\" is {1}")
    @MethodSource("limitCases")
    void readsMirrorLimitsAndKeepsTheDefaultOfEachSettingLeftOut(String annotation, MirrorLimits expected)
        throws InvalidMirrorConfigException {
      assertThat(parseValid(annotations("mirror-to", "cart-v2", "mirror-limits", annotation)).limits())
          .isEqualTo(expected);
    }

    static Stream<Arguments> analysisCases() {
      return Stream.of(
          arguments("window=5m,min-requests=200,max-error-rate-increase=1,max-p99-ratio=1.25,confidence=0.98",
              AnalysisSettings.DEFAULT),
          arguments("window=30m", new AnalysisSettings(Duration.ofMinutes(30), 200, 1.0, 1.25, 1.25, 0.98)),
          arguments("window=60s", new AnalysisSettings(Duration.ofMinutes(1), 200, 1.0, 1.25, 1.25, 0.98)),
          arguments("window=24h", new AnalysisSettings(Duration.ofHours(24), 200, 1.0, 1.25, 1.25, 0.98)),
          arguments("min-requests=1, max-error-rate-increase=0",
              new AnalysisSettings(Duration.ofMinutes(5), 1, 0.0, 1.25, 1.25, 0.98)),
          arguments("max-error-rate-increase=100,max-p50-ratio=1,max-p99-ratio=100,confidence=0.9999",
              new AnalysisSettings(Duration.ofMinutes(5), 200, 100.0, 1.0, 100.0, 0.9999)),
          arguments("confidence=0.5,max-p50-ratio=2.5",
              new AnalysisSettings(Duration.ofMinutes(5), 200, 1.0, 2.5, 1.25, 0.5)));
    }

    @ParameterizedTest(name = "analysis \"{0}\" is {1}")
    @MethodSource("analysisCases")
    void readsAnalysisAndKeepsTheDefaultOfEachSettingLeftOut(String annotation, AnalysisSettings expected)
        throws InvalidMirrorConfigException {
      assertThat(parseValid(annotations("mirror-to", "cart-v2", "analysis", annotation)).analysis())
          .isEqualTo(expected);
    }

    @ParameterizedTest(name = "auto-promote \"{0}\", auto-abort \"{1}\"")
    @CsvSource({"true, false", "false, true", "' true ', true", "false, false"})
    void readsTheAutomationSwitches(String autoPromote, String autoAbort) throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", "cart-v2", "auto-promote", autoPromote,
          "auto-abort", autoAbort));

      assertThat(spec.autoPromote()).isEqualTo(autoPromote.trim().equals("true"));
      assertThat(spec.autoAbort()).isEqualTo(autoAbort.trim().equals("true"));
    }

    @Test
    void autoPromoteNextToAnExplicitPromoteIsFine() throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations("mirror-to", "cart-v2", "promote", "cart-v2", "auto-promote",
          "true"));

      assertThat(spec.promote()).contains(new ServiceRef("shop", "cart-v2"));
      assertThat(spec.autoPromote()).isTrue();
    }

    @Test
    void withoutMirrorToTheNewKeysAreCheckedButIgnored() throws InvalidMirrorConfigException {
      assertThat(parser.parse(CART, annotations("mirror-limits", "max-requests=5", "analysis", "window=1h",
          "auto-promote", "true", "auto-abort", "true"))).isEmpty();
    }

    @Test
    void aFullSpecificationWithTheNewKeysParsesIntoEveryField() throws InvalidMirrorConfigException {
      MirrorSpec spec = parseValid(annotations(
          "mirror-to", "cart-v2",
          "mirror-limits", "max-connections=10,max-pending-requests=5,max-requests=20",
          "analysis", "window=10m,min-requests=500,max-error-rate-increase=0.5,max-p50-ratio=1.1,"
              + "max-p99-ratio=1.5,confidence=0.95",
          "auto-promote", "true",
          "auto-abort", "true"));

      assertThat(spec).isEqualTo(new MirrorSpec(
          List.of(new TargetSpec(new ServiceRef("shop", "cart-v2"), Optional.empty(), OptionalInt.empty())),
          1_000_000, MethodSet.DEFAULT, Optional.empty(), false, new MirrorLimits(10, 5, 20),
          new AnalysisSettings(Duration.ofMinutes(10), 500, 0.5, 1.1, 1.5, 0.95), true, true));
    }
  }

  @Nested
  @DisplayName("Percentage: 0 to 100 with up to 4 decimals, held as millionths")
  class Percentages {

    @ParameterizedTest(name = "\"{0}\" is {1} millionths")
    @CsvSource({
        "100,      1000000",
        "12.5,     125000",
        "0.0001,   1",
        "0.01,     100",
        "29,       290000",
        "0,        0",
        "0.0,      0",
        "99.9999,  999999",
        "100.0000, 1000000",
        "1.25,     12500",
        "' 50 ',   500000",
    })
    void parsesToMillionths(String text, int millionths) throws InvalidMirrorConfigException {
      assertThat(Percentage.parseMillionths("k", text)).isEqualTo(millionths);
    }

    @ParameterizedTest(name = "{0} millionths print as \"{1}\" and parse back")
    @CsvSource({
        "1000000, 100",
        "125000,  12.5",
        "1,       0.0001",
        "100,     0.01",
        "290000,  29",
        "0,       0",
        "999999,  99.9999",
        "12500,   1.25",
    })
    void formatsTheShortestTextAndRoundTrips(int millionths, String text) throws InvalidMirrorConfigException {
      assertThat(Percentage.format(millionths)).isEqualTo(text);
      assertThat(Percentage.parseMillionths("k", Percentage.format(millionths))).isEqualTo(millionths);
    }

    @ParameterizedTest(name = "\"{0}\" is rejected: {1}")
    @CsvSource(delimiter = ';', value = {
        "100.0001; percentage must not exceed 100",
        "101;      percentage must not exceed 100",
        "999;      percentage must not exceed 100",
        "-1;       " + FORMAT_REASON,
        "1e2;      " + FORMAT_REASON,
        "50%;      " + FORMAT_REASON,
        "12.34567; " + FORMAT_REASON,
        "1000;     " + FORMAT_REASON,
        ".5;       " + FORMAT_REASON,
        "5.;       " + FORMAT_REASON,
        "1,5;      " + FORMAT_REASON,
        "+5;       " + FORMAT_REASON,
        "ten;      " + FORMAT_REASON,
        "'';       " + FORMAT_REASON,
    })
    void rejectsInvalidText(String text, String reason) {
      assertThatThrownBy(() -> Percentage.parseMillionths("shadow-mirroring.io/mirror-percentage", text))
          .isInstanceOf(InvalidMirrorConfigException.class)
          .hasMessage("shadow-mirroring.io/mirror-percentage=\"" + text + "\": " + reason);
    }
  }
}
