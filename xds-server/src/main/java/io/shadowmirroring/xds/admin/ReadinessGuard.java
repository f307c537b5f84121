package io.shadowmirroring.xds.admin;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.shadowmirroring.xds.source.MirrorReconciler;
import java.util.function.BooleanSupplier;

/**
 * No admin answer from an empty model. Until the reconciler has built a model from a synced source,
 * a partial or empty view would read as "no mirrors" or "not found", and a change would be checked
 * against it; so every call of a guarded service ends {@code UNAVAILABLE} with {@link #NOT_READY},
 * before its handler runs, and nothing is read or written.
 *
 * <p>It guards whole services, not a list of methods: an RPC added to a guarded service later (a
 * comparison, a verdict) is guarded without a change here. Another service is guarded with
 * {@link #guard(BindableService)}; code that cannot be reached through a guarded service calls
 * {@link #check()}. The server's first build happens once; readiness never goes back, so a call let
 * through stays valid for its whole run. gRPC health and reflection are separate services, never
 * wrapped, and keep answering.
 */
public final class ReadinessGuard implements ServerInterceptor {
  /** The whole answer a client gets before the first build; shadowctl retries on its prefix "not ready:". */
  public static final String NOT_READY = "not ready: the source has not synced yet";

  private final BooleanSupplier ready;

  public ReadinessGuard(BooleanSupplier ready) {
    this.ready = ready;
  }

  /** Ready once the reconciler has built a model; it builds none before its source has synced. */
  public static ReadinessGuard firstBuild(MirrorReconciler reconciler) {
    return new ReadinessGuard(() -> reconciler.lastBuild() != null);
  }

  public boolean ready() {
    return ready.getAsBoolean();
  }

  /** @throws StatusException UNAVAILABLE with {@link #NOT_READY} before the first build */
  public void check() throws StatusException {
    if (!ready()) {
      throw notReady();
    }
  }

  public static StatusException notReady() {
    return Status.UNAVAILABLE.withDescription(NOT_READY).asException();
  }

  /** The service with every one of its methods behind this guard. */
  public ServerServiceDefinition guard(BindableService service) {
    return guard(service.bindService());
  }

  public ServerServiceDefinition guard(ServerServiceDefinition service) {
    return ServerInterceptors.intercept(service, this);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (ready()) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNAVAILABLE.withDescription(NOT_READY), new Metadata());
    return new ServerCall.Listener<>() { };
  }
}
