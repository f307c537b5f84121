package io.shadowmirroring.xds.model;

import static io.shadowmirroring.xds.Fixtures.inventory;
import static io.shadowmirroring.xds.Fixtures.ref;
import static io.shadowmirroring.xds.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.shadowmirroring.xds.Fixtures.ServiceBuilder;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The notices of a mirror, through the model builder: every gRPC call is a POST, so a mirrored gRPC
 * port whose methods leave POST out gets no copy, and the status says so.
 */
class MirrorNoticesTest {
  private static final String GRPC_8080 = "port 8080 speaks gRPC: every call is a POST, which mirror-methods"
      + " (GET,HEAD,OPTIONS) does not copy; add POST to mirror gRPC";

  static Stream<Arguments> cases() {
    UnaryOperator<ServiceBuilder> grpcPort = s -> s.port("api", 8080, "grpc");
    return Stream.of(
        arguments("a gRPC port (appProtocol) under the default methods", grpcPort, "", List.of(GRPC_8080)),
        arguments("a gRPC port by its name (grpc-*) under the default methods",
            (UnaryOperator<ServiceBuilder>) s -> s.port("grpc-api", 8080), "", List.of(GRPC_8080)),
        arguments("an h2c port under the default methods",
            (UnaryOperator<ServiceBuilder>) s -> s.port("api", 8080, "kubernetes.io/h2c"), "",
            List.of("port 8080 speaks HTTP/2 (kubernetes.io/h2c): gRPC calls on it are POSTs, which mirror-methods"
                + " (GET,HEAD,OPTIONS) does not copy; add POST to mirror gRPC")),
        arguments("methods named without POST, in the annotation's order", grpcPort, "HEAD,GET",
            List.of("port 8080 speaks gRPC: every call is a POST, which mirror-methods (GET,HEAD) does not copy;"
                + " add POST to mirror gRPC")),
        arguments("methods with POST: nothing to say", grpcPort, "GET,POST", List.of()),
        arguments("every method: nothing to say", grpcPort, "*", List.of()),
        arguments("an HTTP/1 port: nothing to say",
            (UnaryOperator<ServiceBuilder>) s -> s.port("http", 80), "", List.of()),
        arguments("of an HTTP port and a gRPC port, only the gRPC one",
            (UnaryOperator<ServiceBuilder>) s -> s.port("http", 80).port("api", 8080, "grpc"), "",
            List.of(GRPC_8080)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void notices(String name, UnaryOperator<ServiceBuilder> ports, String methods, List<String> expected) {
    ServiceBuilder primary = ports.apply(service("rpc", "orders").mirrorTo("orders-v2"));
    if (!methods.isEmpty()) {
      primary.methods(methods);
    }
    ServiceBuilder target = ports.apply(service("rpc", "orders-v2"));

    ModelBuild build = new MeshModelBuilder().build(inventory(primary, target));

    assertThat(build.problems()).isEmpty();
    assertThat(status(build, "orders").notices()).containsExactlyElementsOf(expected);
    assertThat(status(build, "orders-v2").notices()).as("no mirror, no notice").isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aPortWithoutCopiesHasNoNotice(String name, UnaryOperator<ServiceBuilder> ports, String methods,
      List<String> ignored) {
    // Promoted to the only target: the port carries live traffic to it and sends no copy.
    ServiceBuilder primary = ports.apply(service("rpc", "orders").mirrorTo("orders-v2").promote("orders-v2"));
    if (!methods.isEmpty()) {
      primary.methods(methods);
    }

    ModelBuild build = new MeshModelBuilder().build(inventory(primary, ports.apply(service("rpc", "orders-v2"))));

    assertThat(status(build, "orders").state()).isEqualTo(MirrorStatus.State.PROMOTED);
    assertThat(status(build, "orders").notices()).isEmpty();
  }

  private static MirrorStatus status(ModelBuild build, String name) {
    return build.statuses().stream().filter(s -> s.service().equals(ref("rpc", name))).findFirst().orElseThrow();
  }
}
