package io.shadowmirroring.xds;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.shadowmirroring.xds.model.Exposure;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.shadowmirroring.xds.source.ConfigSource;
import io.shadowmirroring.xds.source.DirectorySource;
import io.shadowmirroring.xds.source.KubernetesSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import io.shadowmirroring.xds.xds.ResponseBudget;
import io.shadowmirroring.xds.xds.SnapshotPublisher;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code xds-server} command line. */
@Command(name = "xds-server", mixinStandardHelpOptions = true, version = "shadow-mirroring xds-server 0.1.0",
    sortOptions = false,
    description = "Serves Envoy (xDS over gRPC) the routes, clusters and endpoints of Kubernetes Services,"
        + " with request mirroring from their shadow-mirroring.io annotations.")
public final class Main implements Callable<Integer> {
  static final Path EXAMPLE_DIRECTORY = Path.of("examples", "shadow-demo");

  @Option(names = "--source", paramLabel = "kubernetes|DIR",
      description = "Where Services and EndpointSlices come from: 'kubernetes', or a directory of YAML."
          + " Default: kubernetes inside a pod or when a kubeconfig exists, else ./" + "examples/shadow-demo.")
  String source;

  @Option(names = "--namespace", split = ",", paramLabel = "NS",
      description = "Watch only these namespaces (repeat or comma-separate). Default: all.")
  List<String> namespaces = new ArrayList<>();

  @Option(names = "--selector", paramLabel = "LABELS", description = "Label selector for Services, like app=web.")
  String selector = "";

  @Option(names = "--xds-port", defaultValue = "18000", description = "gRPC port for xDS, health and reflection. Default: ${DEFAULT-VALUE}.")
  int xdsPort;

  @Option(names = "--xds-address", defaultValue = "0.0.0.0", description = "Address the xDS port binds to. Default: ${DEFAULT-VALUE}.")
  String xdsAddress;

  @Option(names = "--metrics-port", defaultValue = "18080", description = "HTTP port for /metrics, /healthz and /readyz. Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(names = "--metrics-address", defaultValue = "0.0.0.0", description = "Address the metrics port binds to. Default: ${DEFAULT-VALUE}.")
  String metricsAddress;

  @Option(names = "--admin-port", defaultValue = "18001",
      description = "gRPC port of the admin API (MirrorAdmin, health, reflection). Default: ${DEFAULT-VALUE}.")
  int adminPort;

  @Option(names = "--admin-address", defaultValue = "127.0.0.1",
      description = "Address the admin port binds to; anything but loopback needs --admin-token-file."
          + " Default: ${DEFAULT-VALUE}.")
  String adminAddress;

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "File holding the bearer token every admin call must present.")
  Path adminTokenFile;

  @Option(names = "--admin-read-token-file", paramLabel = "FILE",
      description = "File holding a second bearer token that may only read.")
  Path adminReadTokenFile;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Certificate chain for TLS on the xDS and admin ports.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "Private key for --tls-cert.")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "PEM",
      description = "CA that client certificates must chain to: turns on mutual TLS.")
  Path tlsClientCa;

  @Option(names = "--webhook-port", paramLabel = "PORT",
      description = "HTTPS port of the validating admission webhook (POST /validate); needs --webhook-cert and"
          + " --webhook-key. Default: off.")
  Integer webhookPort;

  @Option(names = "--webhook-address", defaultValue = "0.0.0.0",
      description = "Address the webhook port binds to. Default: ${DEFAULT-VALUE}.")
  String webhookAddress;

  @Option(names = "--webhook-cert", paramLabel = "PEM",
      description = "Certificate chain of the webhook port, valid for the webhook Service's DNS name.")
  Path webhookCert;

  @Option(names = "--webhook-key", paramLabel = "PEM", description = "Private key for --webhook-cert.")
  Path webhookKey;

  @Option(names = "--listener-port", defaultValue = "10000",
      description = "Port of the HTTP listener given to Envoy; a node may override it with metadata"
          + " shadow-mirroring.io/listener-port. Default: ${DEFAULT-VALUE}.")
  int listenerPort;

  @Option(names = "--expose", defaultValue = "all", paramLabel = "all|mirrored",
      description = "Which Services get routes: all, or only mirrored ones (shadow-mirroring.io/mirror-to),"
          + " those with shadow-mirroring.io/expose: \"true\", and (as clusters only) their targets."
          + " Default: ${DEFAULT-VALUE}.")
  String expose;

  @Option(names = "--debounce", defaultValue = "100ms", converter = DurationConverter.class,
      description = "Quiet time that folds a burst of changes into one push. Default: ${DEFAULT-VALUE}.")
  Duration debounce;

  @Option(names = "--max-debounce", defaultValue = "1s", converter = DurationConverter.class,
      description = "Longest a push waits while changes keep coming. Default: ${DEFAULT-VALUE}.")
  Duration maxDebounce;

  @Option(names = "--ack-timeout", defaultValue = "3s", converter = DurationConverter.class,
      description = "After how long a proxy that has not ACKed a make-before-break step is logged and counted"
          + " (shadow_mirroring_xds_steps_overdue_total); it keeps its old routes until it ACKs, and holds back"
          + " no other proxy. Default: ${DEFAULT-VALUE}.")
  Duration ackTimeout;

  @Option(names = "--max-profiles", defaultValue = "" + SnapshotPublisher.DEFAULT_MAX_PROFILES,
      description = "Most proxy profiles (distinct node metadata: listener port, role, namespaces) served at"
          + " once; a stream asking for another is refused with RESOURCE_EXHAUSTED. Default: ${DEFAULT-VALUE}.")
  int maxProfiles;

  @Option(names = "--automation-interval", defaultValue = "10s", converter = DurationConverter.class,
      description = "How often verdicts are checked for auto-promote and auto-abort. Default: ${DEFAULT-VALUE}.")
  Duration automationInterval;

  @Option(names = "--lease-namespace", paramLabel = "NS",
      description = "Namespace of the Lease that replicas compete for before acting on verdicts (Kubernetes"
          + " source). Default: $POD_NAMESPACE, else default.")
  String leaseNamespace;

  @Option(names = "--max-message-size", defaultValue = "32MiB", converter = ByteSizeConverter.class, paramLabel = "SIZE",
      description = "Largest inbound gRPC message on the xDS port (Envoy sends a whole stats flush in one);"
          + " the admin port takes at most 4MiB. Default: ${DEFAULT-VALUE}.")
  int maxMessageSize;

  @Option(names = "--response-budget", converter = ByteSizeConverter.class, paramLabel = "SIZE",
      description = "Most xDS response bytes written but not yet taken by the proxies, across all streams; at"
          + " most 32MiB of them (or this, if smaller) for proxies that are taking theirs, the rest for proxies"
          + " that took nothing for 5s. A stream waits its turn for room (one larger response goes alone)."
          + " Default: an eighth of the largest heap (-Xmx), at most 128MiB.")
  Integer responseBudget;

  @Option(names = "--max-streams-per-connection", defaultValue = "100", paramLabel = "N",
      description = "Concurrent gRPC calls one connection may have open, on the xDS and admin ports."
          + " Default: ${DEFAULT-VALUE}.")
  int maxStreamsPerConnection;

  @Option(names = "--keepalive-min-interval", defaultValue = "10s", converter = DurationConverter.class,
      description = "Shortest time between a client's HTTP/2 PINGs before it is sent GOAWAY too_many_pings;"
          + " must stay below the proxies' connection_keepalive interval (30s in the shipped bootstraps)."
          + " Default: ${DEFAULT-VALUE}.")
  Duration keepaliveMinInterval;

  @Option(names = "--max-connection-age", defaultValue = "30m", converter = DurationConverter.class,
      description = "Age after which an xDS connection is sent GOAWAY, so proxies spread over the replicas"
          + " after a rollout; 0s turns it off. Default: ${DEFAULT-VALUE}.")
  Duration maxConnectionAge;

  @Option(names = "--max-connection-age-grace", defaultValue = "30s", converter = DurationConverter.class,
      description = "How long calls may go on after that GOAWAY before the connection is closed."
          + " Default: ${DEFAULT-VALUE}.")
  Duration maxConnectionAgeGrace;

  @Option(names = "--shutdown-grace", defaultValue = "25s", converter = DurationConverter.class,
      description = "On SIGTERM, the longest the server takes to stop; keep it below the pod's"
          + " terminationGracePeriodSeconds. Default: ${DEFAULT-VALUE}.")
  Duration shutdownGrace;

  @Option(names = "--shutdown-delay", defaultValue = "5s", converter = DurationConverter.class,
      description = "On SIGTERM, how long the server stays up but unready before it sends GOAWAY, for its"
          + " endpoint to leave the Service. Default: ${DEFAULT-VALUE}.")
  Duration shutdownDelay;

  @Option(names = "--print-static-config",
      description = "Print the Envoy config the server would serve for --source DIR as one static bootstrap, and exit.")
  boolean printStaticConfig;

  @Option(names = "--print-nginx-config",
      description = "Print the same mirrors for --source DIR as an nginx.conf (the NGINX mirror directive), and exit.")
  boolean printNginxConfig;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    CommandLine cli = new CommandLine(new Main());
    // One line for a bad flag, not the message buried above the whole usage text.
    cli.setParameterExceptionHandler((e, args2) -> {
      e.getCommandLine().getErr().println("xds-server: " + e.getMessage().replace('\n', ' '));
      e.getCommandLine().getErr().println("Run 'xds-server --help' for the flags.");
      return 2;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("xds-server: " + oneLine(e));
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    validate();
    if (printStaticConfig || printNginxConfig) {
      String flag = printStaticConfig ? "--print-static-config" : "--print-nginx-config";
      if (printStaticConfig && printNginxConfig) {
        throw new CommandLine.ParameterException(new CommandLine(this),
            "--print-static-config and --print-nginx-config cannot be combined: choose one");
      }
      if (source == null || source.equals("kubernetes") || !Files.isDirectory(Path.of(source))) {
        throw new CommandLine.ParameterException(new CommandLine(this), flag + " needs --source DIR (a directory of YAML)");
      }
      System.out.print(printStaticConfig
          ? StaticConfigPrinter.render(Path.of(source), listenerPort, exposure(), System.err)
          : NginxConfigPrinter.render(Path.of(source), listenerPort, System.err));
      return 0;
    }
    ConfigSource configSource = openSource();
    ServerSettings settings = new ServerSettings(xdsAddress, xdsPort, metricsAddress, metricsPort, listenerPort,
        debounce, maxDebounce, ackTimeout,
        new AdminSettings(adminAddress, adminPort, Optional.ofNullable(adminTokenFile),
            Optional.ofNullable(adminReadTokenFile)),
        tlsCert == null ? Optional.empty()
            : Optional.of(new ServerTls.Files(tlsCert, tlsKey, Optional.ofNullable(tlsClientCa))),
        Duration.ofSeconds(10),
        AutomationSettings.of(automationInterval,
            leaseNamespace != null ? leaseNamespace : AutomationSettings.defaultLeaseNamespace(System.getenv())),
        webhookPort == null ? Optional.empty() : Optional.of(new WebhookSettings(webhookAddress, webhookPort,
            new ServerTls.Files(webhookCert, webhookKey, Optional.empty()))),
        exposure(), limits(), shutdown(), maxProfiles);
    ShadowMirroringServer server = ShadowMirroringServer.start(settings, configSource);
    Runtime.getRuntime().addShutdownHook(new GracefulShutdown(server, settings.shutdown()).hook());
    server.blockUntilShutdown();
    return 0;
  }

  private GrpcServerLimits limits() {
    return new GrpcServerLimits(maxMessageSize, maxStreamsPerConnection, keepaliveMinInterval, maxConnectionAge,
        maxConnectionAgeGrace, responseBudget != null ? responseBudget : ResponseBudget.defaultLimit());
  }

  private ShutdownSettings shutdown() {
    return new ShutdownSettings(shutdownGrace, shutdownDelay);
  }

  private Exposure exposure() {
    return Exposure.parse(expose).orElseThrow();
  }

  private void validate() {
    CommandLine.Model.CommandSpec spec = new CommandLine(this).getCommandSpec();
    if (Exposure.parse(expose).isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--expose must be all or mirrored, not " + expose);
    }
    if (maxProfiles < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--max-profiles must be at least 1, not "
          + maxProfiles);
    }
    checkPort(spec, "--xds-port", xdsPort);
    checkPort(spec, "--metrics-port", metricsPort);
    checkPort(spec, "--admin-port", adminPort);
    if (adminTokenFile == null && !isLoopback(adminAddress)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "refusing to serve the admin API on "
          + adminAddress + " without --admin-token-file: anyone who can reach it could change mirrors");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--tls-client-ca needs --tls-cert and --tls-key");
    }
    if (webhookPort != null) {
      checkPort(spec, "--webhook-port", webhookPort);
      if (webhookCert == null || webhookKey == null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--webhook-port needs --webhook-cert and --webhook-key (the API server calls webhooks over HTTPS only)");
      }
    } else if (webhookCert != null || webhookKey != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--webhook-cert and --webhook-key need --webhook-port");
    }
    for (Path file : java.util.Arrays.asList(adminTokenFile, adminReadTokenFile, tlsCert, tlsKey, tlsClientCa,
        webhookCert, webhookKey)) {
      if (file != null && !Files.isReadable(file)) {
        throw new CommandLine.ParameterException(spec.commandLine(), file + ": no such readable file");
      }
    }
    if (listenerPort < 1 || listenerPort > 65535) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--listener-port must be from 1 to 65535, not " + listenerPort);
    }
    if (automationInterval.isZero() || automationInterval.isNegative()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--automation-interval must be above 0");
    }
    if (leaseNamespace != null && !leaseNamespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--lease-namespace \"" + leaseNamespace
          + "\" is not a namespace name (a DNS-1123 label is expected)");
    }
    if (maxStreamsPerConnection < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--max-streams-per-connection must be at least 1, not " + maxStreamsPerConnection);
    }
    if (shutdownGrace.isZero() || shutdownDelay.compareTo(shutdownGrace) >= 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--shutdown-delay ("
          + shutdownDelay.toMillis() + "ms) must be below --shutdown-grace (" + shutdownGrace.toMillis()
          + "ms), which must be above 0");
    }
    if (debounce.isZero() || maxDebounce.compareTo(debounce) < 0) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--debounce must be above 0 and at most --max-debounce (" + maxDebounce.toMillis() + "ms)");
    }
  }

  private static boolean isLoopback(String address) {
    try {
      return java.net.InetAddress.getByName(address).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  private static void checkPort(CommandLine.Model.CommandSpec spec, String flag, int port) {
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(spec.commandLine(), flag + " must be from 0 to 65535, not " + port);
    }
  }

  private ConfigSource openSource() {
    String chosen = source != null ? source : defaultSource();
    if (chosen.equals("kubernetes")) {
      KubernetesClient client = new KubernetesClientBuilder().build();
      return new KubernetesSource(client, namespaces, selector);
    }
    Path directory = Path.of(chosen);
    if (!Files.isDirectory(directory)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--source " + chosen + ": not 'kubernetes' and not a directory");
    }
    return new DirectorySource(directory, Duration.ofMillis(200));
  }

  private static String defaultSource() {
    boolean inPod = System.getenv("KUBERNETES_SERVICE_HOST") != null;
    String kubeconfig = System.getenv("KUBECONFIG");
    boolean hasKubeconfig = (kubeconfig != null && !kubeconfig.isBlank())
        || Files.exists(Path.of(System.getProperty("user.home"), ".kube", "config"));
    if (inPod || hasKubeconfig) {
      return "kubernetes";
    }
    if (Files.isDirectory(EXAMPLE_DIRECTORY)) {
      return EXAMPLE_DIRECTORY.toString();
    }
    throw new IllegalStateException("no cluster found (not in a pod, no kubeconfig) and no ./"
        + EXAMPLE_DIRECTORY + "; pass --source DIR or --source kubernetes");
  }

  private static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getMessage() == null) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replace('\n', ' ');
  }
}
