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
import java.io.PrintWriter;
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

  /** How the server's readiness guard begins its answer (xds-server's ReadinessGuard.NOT_READY). */
  static final String NOT_READY_PREFIX = "not ready:";
  private static final long FIRST_BACKOFF_MILLIS = 100;
  private static final long MAX_BACKOFF_MILLIS = 1000;

  private final ConnectionSettings settings;
  private final ManagedChannel channel;
  private final MirrorAdminBlockingStub stub;
  private final PrintWriter notices;

  private AdminClient(ConnectionSettings settings, ManagedChannel channel, MirrorAdminBlockingStub stub,
      PrintWriter notices) {
    this.settings = settings;
    this.channel = channel;
    this.stub = stub;
    this.notices = notices;
  }

  /** @param notices where a wait for the server is announced (stderr) */
  static AdminClient connect(ConnectionSettings settings, PrintWriter notices) {
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
    return new AdminClient(settings, channel, stub, notices);
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

  /**
   * One unary call under the --timeout deadline. A server that is not ready yet is asked again
   * within that deadline (see {@link ReadinessWait}).
   */
  <T> T call(Function<MirrorAdminBlockingStub, T> rpc) {
    Deadline deadline = Deadline.after(settings.timeout().toNanos(), TimeUnit.NANOSECONDS);
    ReadinessWait readiness = new ReadinessWait(deadline);
    while (true) {
      try {
        return rpc.apply(stub.withDeadline(deadline));
      } catch (StatusRuntimeException e) {
        readiness.retryOrThrow(e.getStatus(), deadline.isExpired());
      }
    }
  }

  /**
   * A server stream, followed until the server ends it; no deadline, since watching is open-ended,
   * but waiting for a server that is not ready yet is bounded by --timeout.
   */
  <T> void stream(Function<MirrorAdminBlockingStub, Iterator<T>> rpc, Consumer<T> each) {
    ReadinessWait readiness = new ReadinessWait(Deadline.after(settings.timeout().toNanos(), TimeUnit.NANOSECONDS));
    while (true) {
      try {
        Iterator<T> items = rpc.apply(stub);
        while (items.hasNext()) {
          each.accept(items.next());
        }
        return;
      } catch (StatusRuntimeException e) {
        readiness.retryOrThrow(e.getStatus(), false);
      }
    }
  }

  /**
   * Until its first model is built from a synced source, the server answers every admin call
   * {@code UNAVAILABLE} with a description starting "not ready:", and does nothing else: asking
   * again is then safe for a change as for a read. This waits with a short backoff, says once on
   * stderr what it waits for, and gives up at the deadline with the server's own line. Every other
   * failure is thrown at once.
   */
  private final class ReadinessWait {
    private final Deadline deadline;
    private long backoffMillis = FIRST_BACKOFF_MILLIS;
    private Status notReady;

    ReadinessWait(Deadline deadline) {
      this.deadline = deadline;
    }

    void retryOrThrow(Status status, boolean ownDeadlineExpired) {
      if (!isNotReady(status)) {
        // The deadline ran out while asking again: the reason is still that the server is not ready.
        throw notReady != null && status.getCode() == Status.Code.DEADLINE_EXCEEDED
            ? failure(notReady, false) : failure(status, ownDeadlineExpired);
      }
      long left = deadline.timeRemaining(TimeUnit.MILLISECONDS);
      if (left <= 0) {
        throw failure(status, false);
      }
      if (notReady == null) {
        notices.println("shadowctl: waiting up to " + Durations.format(settings.timeout()) + " for the admin API at "
            + settings.address() + ": " + Main.oneLine(status.getDescription()));
        notices.flush();
      }
      notReady = status;
      try {
        Thread.sleep(Math.min(backoffMillis, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw failure(status, false);
      }
      backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
    }
  }

  static boolean isNotReady(Status status) {
    return status.getCode() == Status.Code.UNAVAILABLE && status.getCause() == null
        && Main.oneLine(status.getDescription()).startsWith(NOT_READY_PREFIX);
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
