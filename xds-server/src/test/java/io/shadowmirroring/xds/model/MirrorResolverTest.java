package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.Fixtures.byRef;
import static io.shadowmirroring.xds.Fixtures.ref;
import static io.shadowmirroring.xds.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.shadowmirroring.xds.Fixtures.ServiceBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("MirrorResolver: a spec checked against the Services that exist")
class MirrorResolverTest {
  private final MirrorAnnotationParser parser = new MirrorAnnotationParser();
  private final MirrorResolver resolver = new MirrorResolver();

  /** Parses the primary's annotations and resolves them against the primary and {@code others}. */
  private ResolvedMirror resolve(ServiceBuilder primary, ServiceBuilder... others)
      throws InvalidMirrorConfigException {
    ServiceInput input = primary.build();
    MirrorSpec spec = parser.parse(input.ref(), input.annotations()).orElseThrow();
    ServiceInput[] all = Stream.concat(Stream.of(input), Arrays.stream(others).map(ServiceBuilder::build))
        .toArray(ServiceInput[]::new);
    return resolver.resolve(input, spec, byRef(all));
  }

  private static ClusterRef cluster(String namespace, String name, int port) {
    return new ClusterRef(ref(namespace, name), port);
  }

  static Stream<Arguments> unresolvableTargets() {
    return Stream.of(
        arguments("a target Service that does not exist",
            service("shop", "cart").mirrorTo("cart-v2").port("http", 80),
            List.of(),
            "shadow-mirroring.io/mirror-to=\"cart-v2\": target Service shop/cart-v2 does not exist"),
        arguments("a target that exists only in another namespace (the value is quoted as written)",
            service("shop", "cart").mirrorTo("cart-canary=5,cart-v2:http").port("http", 80),
            List.of(service("shop", "cart-canary").port("http", 80), service("staging", "cart-v2").port("http", 80)),
            "shadow-mirroring.io/mirror-to=\"cart-canary=5,cart-v2:http\": "
                + "target Service shop/cart-v2 does not exist"),
        arguments("a target that does not exist, on a primary without ports",
            service("shop", "cart").mirrorTo("cart-v2"),
            List.of(),
            "shadow-mirroring.io/mirror-to=\"cart-v2\": target Service shop/cart-v2 does not exist"),
        arguments("an explicit port name the target does not have",
            service("shop", "cart").mirrorTo("cart-v2:grpc").port("http", 80),
            List.of(service("shop", "cart-v2").port("http", 80).port("metrics", 9090)),
            "shadow-mirroring.io/mirror-to=\"cart-v2:grpc\": target Service shop/cart-v2 has no port grpc "
                + "(it has 80/http, 9090/metrics)"),
        arguments("an explicit port number the target does not have",
            service("shop", "cart").mirrorTo("cart-v2:8080").port("http", 80),
            List.of(service("shop", "cart-v2").port(80)),
            "shadow-mirroring.io/mirror-to=\"cart-v2:8080\": target Service shop/cart-v2 has no port 8080 "
                + "(it has 80)"),
        arguments("an explicit port on a target without ports",
            service("shop", "cart").mirrorTo("cart-v2:80").port("http", 80),
            List.of(service("shop", "cart-v2")),
            "shadow-mirroring.io/mirror-to=\"cart-v2:80\": target Service shop/cart-v2 has no port 80 "
                + "(it has no ports)"),
        arguments("no target port with the same number or name among several",
            service("shop", "cart").mirrorTo("cart-v2").port("http", 80),
            List.of(service("shop", "cart-v2").port("web", 8080).port("metrics", 9090)),
            "shadow-mirroring.io/mirror-to=\"cart-v2\": target Service shop/cart-v2 has no port matching "
                + "port 80 by number or name (it has 8080/web, 9090/metrics); name one as cart-v2:PORT"),
        arguments("an unnamed primary port is never matched by an empty name",
            service("shop", "cart").mirrorTo("staging/cart-v2").port(80),
            List.of(service("staging", "cart-v2").port("web", 8080).port("", 9090)),
            "shadow-mirroring.io/mirror-to=\"staging/cart-v2\": target Service staging/cart-v2 has no port "
                + "matching port 80 by number or name (it has 8080/web, 9090); name one as cart-v2:PORT"),
        arguments("a target without ports and no explicit port",
            service("shop", "cart").mirrorTo("cart-v2").port("http", 80),
            List.of(service("shop", "cart-v2")),
            "shadow-mirroring.io/mirror-to=\"cart-v2\": target Service shop/cart-v2 has no port matching "
                + "port 80 by number or name (it has no ports); name one as cart-v2:PORT"),
        arguments("only the primary port that cannot be matched fails the whole spec",
            service("shop", "cart").mirrorTo("cart-v2").port("http", 80).port("admin", 9000),
            List.of(service("shop", "cart-v2").port("http", 80).port("metrics", 9090)),
            "shadow-mirroring.io/mirror-to=\"cart-v2\": target Service shop/cart-v2 has no port matching "
                + "port 9000 by number or name (it has 80/http, 9090/metrics); name one as cart-v2:PORT"),
        arguments("two entries that resolve to the same target port (number and name)",
            service("shop", "cart").mirrorTo("cart-v2:80,cart-v2:http").port("http", 80),
            List.of(service("shop", "cart-v2").port("http", 80)),
            "shadow-mirroring.io/mirror-to=\"cart-v2:80,cart-v2:http\": duplicate target: two entries "
                + "mirror port 80 to shop/cart-v2:80"),
        arguments("two entries that resolve to the same target port (default and explicit)",
            service("shop", "cart").mirrorTo("cart-v2=10,cart-v2:8080").port("http", 80),
            List.of(service("shop", "cart-v2").port("web", 8080)),
            "shadow-mirroring.io/mirror-to=\"cart-v2=10,cart-v2:8080\": duplicate target: two entries "
                + "mirror port 80 to shop/cart-v2:8080"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unresolvableTargets")
  void rejectsWithExactMessage(
      String description, ServiceBuilder primary, List<ServiceBuilder> others, String expectedMessage) {
    assertThatThrownBy(() -> resolve(primary, others.toArray(ServiceBuilder[]::new)))
        .isInstanceOf(InvalidMirrorConfigException.class)
        .hasMessage(expectedMessage);
  }

  static Stream<Arguments> portChoices() {
    return Stream.of(
        arguments("the target port with the same number",
            "cart-v2", List.of(port("web", 80), port("http", 8080)), 80),
        arguments("else the target port with the same name",
            "cart-v2", List.of(port("metrics", 9090), port("http", 8080)), 8080),
        arguments("else the target's only port",
            "cart-v2", List.of(port("other", 3000)), 3000),
        arguments("an explicit port name",
            "cart-v2:metrics", List.of(port("http", 80), port("metrics", 9090)), 9090),
        arguments("an explicit port number, even when another port has the primary's number",
            "cart-v2:9090", List.of(port("http", 80), port("metrics", 9090)), 9090),
        arguments("an explicit port number of an unnamed port",
            "cart-v2:3000", List.of(port("", 3000)), 3000));
  }

  private static ServicePort port(String name, int number) {
    return new ServicePort(name, number, "TCP", "");
  }

  @ParameterizedTest(name = "mirror-to \"{1}\" picks {0}")
  @MethodSource("portChoices")
  void choosesTheTargetPort(String rule, String mirrorTo, List<ServicePort> targetPorts, int expectedPort)
      throws InvalidMirrorConfigException {
    ServiceBuilder target = service("shop", "cart-v2");
    targetPorts.forEach(p -> target.port(p.name(), p.port()));

    ResolvedMirror resolved = resolve(service("shop", "cart").mirrorTo(mirrorTo).port("http", 80), target);

    assertThat(resolved.copiesByPort()).containsOnlyKeys(80);
    assertThat(resolved.copiesByPort().get(80))
        .containsExactly(new MirrorCopy(cluster("shop", "cart-v2", expectedPort), 1_000_000));
  }

  @Test
  void eachPrimaryPortPicksItsOwnTargetPort() throws InvalidMirrorConfigException {
    ResolvedMirror resolved = resolve(
        service("shop", "cart").mirrorTo("cart-v2").port("http", 80).port("metrics", 9000),
        service("shop", "cart-v2").port("http", 8080).port("metrics", 9090));

    assertThat(resolved.copiesByPort()).isEqualTo(Map.of(
        80, List.of(new MirrorCopy(cluster("shop", "cart-v2", 8080), 1_000_000)),
        9000, List.of(new MirrorCopy(cluster("shop", "cart-v2", 9090), 1_000_000))));
    assertThat(resolved.promotedByPort()).isEmpty();
  }

  @Test
  void theSameServiceOnTwoPortsIsTwoCopies() throws InvalidMirrorConfigException {
    ResolvedMirror resolved = resolve(
        service("shop", "cart").mirrorTo("cart-v2:http,cart-v2:admin=1").port("http", 80),
        service("shop", "cart-v2").port("http", 80).port("admin", 8081));

    assertThat(resolved.copiesByPort().get(80)).containsExactly(
        new MirrorCopy(cluster("shop", "cart-v2", 80), 1_000_000),
        new MirrorCopy(cluster("shop", "cart-v2", 8081), 10_000));
  }

  @Test
  void eachCopyCarriesItsTargetsShareOrTheDefault() throws InvalidMirrorConfigException {
    ResolvedMirror resolved = resolve(
        service("shop", "cart").mirrorTo("cart-v2,staging/cart-canary=12.5").percentage("29").port("http", 80),
        service("shop", "cart-v2").port("http", 80),
        service("staging", "cart-canary").port("http", 80));

    assertThat(resolved.copiesByPort().get(80)).containsExactly(
        new MirrorCopy(cluster("shop", "cart-v2", 80), 290_000),
        new MirrorCopy(cluster("staging", "cart-canary", 80), 125_000));
  }

  @Test
  void promoteTakesThePromotedTargetOutOfTheCopiesOnEveryPort() throws InvalidMirrorConfigException {
    ResolvedMirror resolved = resolve(
        service("shop", "cart").mirrorTo("cart-v2,cart-canary=50").promote("cart-v2")
            .port("http", 80).port("grpc", 8443),
        service("shop", "cart-v2").port("http", 8080).port("grpc", 9443),
        service("shop", "cart-canary").port("http", 80).port("grpc", 8443));

    assertThat(resolved.promotedByPort()).isEqualTo(Map.of(
        80, cluster("shop", "cart-v2", 8080),
        8443, cluster("shop", "cart-v2", 9443)));
    assertThat(resolved.promotedFor(80)).contains(cluster("shop", "cart-v2", 8080));
    assertThat(resolved.promotedFor(1234)).isEmpty();
    assertThat(resolved.copiesByPort()).isEqualTo(Map.of(
        80, List.of(new MirrorCopy(cluster("shop", "cart-canary", 80), 500_000)),
        8443, List.of(new MirrorCopy(cluster("shop", "cart-canary", 8443), 500_000))));
  }

  @Test
  void promotingTheOnlyTargetLeavesNothingToMirror() throws InvalidMirrorConfigException {
    ResolvedMirror resolved = resolve(
        service("shop", "cart").mirrorTo("cart-v2").promote("cart-v2").port("http", 80),
        service("shop", "cart-v2").port("http", 80));

    assertThat(resolved.promotedByPort()).isEqualTo(Map.of(80, cluster("shop", "cart-v2", 80)));
    assertThat(resolved.copiesByPort()).isEqualTo(Map.of(80, List.of()));
  }
}
