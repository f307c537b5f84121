package io.shadowmirroring.shadowctl;

import io.grpc.ChannelCredentials;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc;
import io.shadowmirroring.api.admin.v1.MirrorAdminGrpc.MirrorAdminBlockingStub;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * The admin channel and its stub. Every call goes through {@link #call} or {@link #stream}, which
 * turn a gRPC status into a one-line {@link CliException}: the commands never see grpc's exceptions.
 */
final class AdminClient implements AutoCloseable {
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** Config dumps of a large mesh exceed grpc's default 4 MiB. */
  private static final int MAX_INBOUND_BYTES = 256 * 1024 * 1024;

  private static final Pattern NATIVE_PREFIX = Pattern.compile("^\\w+\\(\\.\\.\\) failed with error\\(-?\\d+\\): ");
  private static final Pattern ADDRESS_SUFFIX = Pattern.compile(": \\S*/\\S+$");

  private final ConnectionSettings settings;
  private final ManagedChannel channel;
  private final MirrorAdminBlockingStub stub;

  private AdminClient(ConnectionSettings settings, ManagedChannel channel, MirrorAdminBlockingStub stub) {
    this.settings = settings;
    this.channel = channel;
    this.stub = stub;
  }

  static AdminClient connect(ConnectionSettings settings) {
    ChannelCredentials credentials = settings.tls() ? tlsCredentials(settings) : InsecureChannelCredentials.create();
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(
            settings.address().host(), settings.address().port(), credentials)
        .userAgent("shadowctl")
        .maxInboundMessageSize(MAX_INBOUND_BYTES)
        .build();
    MirrorAdminBlockingStub stub = MirrorAdminGrpc.newBlockingStub(channel);
    if (settings.token().isPresent()) {
      // A fixed header from an interceptor: the token never changes during a run, so
      // CallCredentials would add nothing, and it is sent on a plaintext loopback port as on TLS.
      Metadata headers = new Metadata();
      headers.put(AUTHORIZATION, "Bearer " + settings.token().get());
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    return new AdminClient(settings, channel, stub);
  }

  private static ChannelCredentials tlsCredentials(ConnectionSettings settings) {
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
    if (settings.caFile().isPresent()) {
      Path caFile = settings.caFile().get();
      // grpc only parses the bundle when it builds the channel, and then fails with a message
      // about channel providers; reading it here names the file instead.
      try (InputStream in = Files.newInputStream(caFile)) {
        if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
          throw CliException.usage("cannot read --ca-file " + caFile + ": no PEM certificate in it");
        }
        tls.trustManager(caFile.toFile());
      } catch (IOException | CertificateException e) {
        throw CliException.usage("cannot read --ca-file " + caFile + ": " + Main.describe(e));
      }
    }
    return tls.build();
  }

  /** One unary call under the --timeout deadline. */
  <T> T call(Function<MirrorAdminBlockingStub, T> rpc) {
    Deadline deadline = Deadline.after(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
    try {
      return rpc.apply(stub.withDeadline(deadline));
    } catch (StatusRuntimeException e) {
      throw failure(e.getStatus(), deadline.isExpired());
    }
  }

  /** A server stream, followed until the server ends it; no deadline, since watching is open-ended. */
  <T> void stream(Function<MirrorAdminBlockingStub, Iterator<T>> rpc, Consumer<T> each) {
    try {
      Iterator<T> items = rpc.apply(stub);
      while (items.hasNext()) {
        each.accept(items.next());
      }
    } catch (StatusRuntimeException e) {
      throw failure(e.getStatus(), false);
    }
  }

  private CliException failure(Status status, boolean ownDeadlineExpired) {
    String description = Main.oneLine(status.getDescription());
    boolean transportFailure = status.getCode() == Status.Code.UNAVAILABLE
        && (status.getCause() != null || description.startsWith("Network closed"));
    String message;
    if (transportFailure) {
      // A failure on this side of the wire (refused, unresolvable, TLS, hung up on). A server that
      // answers UNAVAILABLE on purpose sends no cause and falls through to the general form.
      String reason = status.getCause() == null ? "" : reason(status.getCause());
      reason = reason.isEmpty() ? description : reason;
      if (!settings.tls() && (reason.startsWith("Network closed") || reason.contains("Connection reset"))) {
        // What a plaintext client sees when the port speaks TLS: the server hangs up on the preface.
        reason += " (a TLS port? then add --tls or --ca-file)";
      }
      message = "cannot reach the admin API at " + settings.address() + ": " + reason;
    } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && ownDeadlineExpired) {
      // grpc's own text carries nanosecond timings; this one is stable and names the knob.
      message = "DEADLINE_EXCEEDED: no answer from the admin API at " + settings.address()
          + " within " + Durations.format(settings.timeout()) + " (see --timeout)";
    } else {
      message = status.getCode() + (description.isEmpty() ? "" : ": " + description);
    }
    return CliException.failure(message, status.getCause());
  }

  /**
   * Why the connection failed, in the words of the exception that knows, without the decoration
   * Netty adds: its native transport prefixes "finishConnect(..) failed with error(-111): ", and
   * a failed connect appends the address, which the message already names.
   */
  private String reason(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof UnknownHostException) {
        return "unknown host " + settings.address().host();
      }
      if (t instanceof SSLException) {
        return tlsReason(t);
      }
    }
    String message = NATIVE_PREFIX.matcher(Main.oneLine(cause.getMessage())).replaceFirst("");
    if (cause instanceof ConnectException) {
      message = ADDRESS_SUFFIX.matcher(message).replaceFirst("");
    }
    return message;
  }

  /** The innermost cause says why ("unable to find valid certification path"); the outer ones don't. */
  private static String tlsReason(Throwable ssl) {
    Throwable innermost = ssl;
    while (innermost.getCause() != null && innermost.getCause() != innermost) {
      innermost = innermost.getCause();
    }
    String detail = Main.oneLine(innermost.getMessage());
    if (detail.startsWith("not an SSL/TLS record")) {
      // Netty follows this with a hex dump of the plaintext HTTP/2 frames it got instead.
      return "TLS handshake failed: the server does not speak TLS (a plaintext port? then leave out --tls and --ca-file)";
    }
    return "TLS handshake failed: " + (detail.isEmpty() ? innermost.getClass().getSimpleName() : detail);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
