package io.shadowmirroring.xds.xds;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.ArrayDeque;

/**
 * One stream's share of the {@link ResponseBudget}: its responses go through {@link #send}, which
 * writes them when the budget has room and otherwise keeps them, in order, until the stream's turn.
 * Every method but the fields' reads by the budget is called under the stream's own lock.
 *
 * <p>When the bytes leave the flight: gRPC counts a stream's bytes from the moment they are handed to
 * the transport until Netty has written them ({@code NettyServerStream.Sink.writeFrame}: {@code
 * onSendingBytes} at once, {@code onSentBytes} when the write completes), and {@code isReady()} is true
 * while fewer than {@code DEFAULT_ONREADY_THRESHOLD = 32 * 1024} bytes are queued so
 * (grpc/grpc-java core/src/main/java/io/grpc/internal/AbstractStream.java, TransportState.isReady and
 * onSentBytes). So {@code isReady()} right after {@code onNext} says whether the response already left;
 * if not, {@code ServerCallStreamObserver.setOnReadyHandler}'s handler "will be called after isReady()
 * transitions to true", and a spurious call is told apart by checking {@code isReady()} again
 * (grpc/grpc-java stub/src/main/java/io/grpc/stub/ServerCallStreamObserver.java). A stream that goes
 * away releases everything at its clean-up.
 */
final class StreamBudget {
  private final ResponseBudget budget;
  private final ServerCallStreamObserver<WireResponse> out;
  final Runnable resume;
  // Guarded by the budget's lock.
  final ArrayDeque<WireResponse> pending = new ArrayDeque<>();
  long held;
  /** When {@link #held} last went from none to some; the budget's to read. */
  long heldSince;
  /** Held bytes its proxy has not taken for the budget's time: they count against the budget, not its window. */
  boolean slow;
  boolean queued;
  boolean granted;
  boolean closed;

  StreamBudget(ResponseBudget budget, ServerCallStreamObserver<WireResponse> out, Runnable resume) {
    this.budget = budget;
    this.out = out;
    this.resume = resume;
  }

  /**
   * Whether the stream may compute responses now. A stream with responses kept, or waiting in line,
   * may not: what it would compute now goes out later from the latest state anyway.
   */
  boolean admit() {
    return budget.admit(this);
  }

  /** Writes the response when there is room; otherwise keeps it for the stream's turn. */
  void send(WireResponse response) {
    boolean write;
    synchronized (budget) {
      write = pending.isEmpty() && budget.tryAcquire(this, response.length());
      if (!write && !closed) {
        pending.addLast(response);
      }
    }
    if (write) {
      write(response);
    }
  }

  /**
   * The transport is ready (gRPC's onReady), or the stream's turn came (the budget's resume): frees
   * what it held if the transport took it all, then writes what it kept, while there is room.
   */
  void onReady() {
    if (out.isReady()) {
      budget.release(this);
    }
    while (true) {
      WireResponse next;
      synchronized (budget) {
        next = pending.peekFirst();
        if (next == null || !granted || !budget.tryAcquire(this, next.length())) {
          return;
        }
        pending.pollFirst();
      }
      write(next);
    }
  }

  void close() {
    budget.close(this);
  }

  private void write(WireResponse response) {
    out.onNext(response);
    if (out.isReady()) {
      budget.release(this);
    }
  }
}
