package io.shadowmirroring.xds.xds;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bound, across every xDS stream, on the response bytes written to gRPC but not yet taken by the
 * clients: without it, a thousand proxies connecting at once to 10,000 Services put a thousand times
 * their first responses (about 8 MB each) into Netty's direct buffers together, and the server dies of
 * an OutOfMemoryError of direct memory long before its heap is full.
 *
 * <p>A response is written only when the budget has room for it; one larger than the whole budget goes
 * alone (when nothing else is in flight). Its bytes stay in flight until its stream's transport is ready
 * again, or the stream ends ({@link StreamBudget}). Streams that find no room wait in FIFO order; one
 * dispatcher thread resumes them, one after the other, while there is room. Every release and every
 * new waiter checks whether the dispatcher must run, under this object's lock, so no wake-up is lost.
 *
 * <p>Lock order: a stream's own lock, then this one; this one is never held while calling out (not
 * into a stream, not into gRPC), so streams cannot deadlock through the budget.
 */
public final class ResponseBudget {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseBudget.class);
  /** The default's cap: more than enough to keep a loopback or LAN link busy. */
  public static final long MAX_DEFAULT_BYTES = 128L * 1024 * 1024;

  private final long limit;
  private final ArrayDeque<StreamBudget> waiting = new ArrayDeque<>();
  private final ThreadPoolExecutor dispatcher;
  private long inFlight;
  private long peak;
  private boolean dispatching;

  /**
   * An eighth of the largest heap, at most {@link #MAX_DEFAULT_BYTES}: Netty's direct memory defaults
   * to the largest heap too (-XX:MaxDirectMemorySize unset), so this leaves most of it to everything else.
   */
  public static long defaultLimit() {
    return Math.min(MAX_DEFAULT_BYTES, Runtime.getRuntime().maxMemory() / 8);
  }

  public ResponseBudget(long limitBytes, MeterRegistry meters) {
    if (limitBytes < 1) {
      throw new IllegalArgumentException("the response budget must be at least 1 byte, not " + limitBytes);
    }
    this.limit = limitBytes;
    // One daemon thread, gone when idle: a budget needs no closing.
    this.dispatcher = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread thread = new Thread(r, "xds-response-budget");
      thread.setDaemon(true);
      return thread;
    });
    meters.gauge("shadow_mirroring_xds_response_bytes_in_flight", this, ResponseBudget::inFlight);
    meters.gauge("shadow_mirroring_xds_streams_waiting_for_budget", this, ResponseBudget::waitingCount);
    meters.gauge("shadow_mirroring_xds_response_budget_bytes", this, b -> b.limit);
  }

  /** The budget of one stream, which writes to {@code out} and is resumed by {@code resume} when its turn comes. */
  StreamBudget open(io.grpc.stub.ServerCallStreamObserver<WireResponse> out, Runnable resume) {
    return new StreamBudget(this, out, resume);
  }

  public long limit() {
    return limit;
  }

  public synchronized long inFlight() {
    return inFlight;
  }

  /** The most bytes ever in flight at once. */
  public synchronized long peak() {
    return peak;
  }

  public synchronized int waitingCount() {
    return waiting.size();
  }

  // --- called by StreamBudget, under its stream's lock -----------------------------------------

  /**
   * Whether the stream may compute and send now; if not, it waits in line and is resumed later. A
   * stream does not pass others that wait, unless it is the one being resumed.
   */
  synchronized boolean admit(StreamBudget stream) {
    if (stream.closed || stream.queued) {
      return false;
    }
    if (stream.granted || (waiting.isEmpty() && inFlight < limit)) {
      return true;
    }
    enqueue(stream);
    return false;
  }

  /** Takes room for {@code bytes}, or puts the stream in line (its response kept by the caller). */
  synchronized boolean tryAcquire(StreamBudget stream, long bytes) {
    if (stream.closed) {
      return false;
    }
    if ((stream.granted || waiting.isEmpty()) && fits(bytes)) {
      inFlight += bytes;
      peak = Math.max(peak, inFlight);
      stream.held += bytes;
      return true;
    }
    if (!stream.queued) {
      enqueue(stream);
    }
    return false;
  }

  /** The stream's transport is ready again, or it ended: what it held is free. */
  synchronized void release(StreamBudget stream) {
    inFlight -= stream.held;
    stream.held = 0;
    wakeIfRoom();
  }

  synchronized void close(StreamBudget stream) {
    stream.closed = true;
    if (stream.queued) {
      waiting.remove(stream);
      stream.queued = false;
    }
    stream.pending.clear();
    release(stream);
  }

  // --- waiting ---------------------------------------------------------------------------------

  private boolean fits(long bytes) {
    return inFlight == 0 || inFlight + bytes <= limit;
  }

  /**
   * The one being resumed keeps its place at the head (it only finishes its turn); any other goes to
   * the tail.
   */
  private void enqueue(StreamBudget stream) {
    stream.queued = true;
    if (stream.granted) {
      waiting.addFirst(stream);
    } else {
      waiting.addLast(stream);
    }
    wakeIfRoom();
  }

  /** Whether the first in line can go: its next response fits, or, with nothing kept yet, any room is left. */
  private boolean headCanGo() {
    StreamBudget head = waiting.peekFirst();
    if (head == null) {
      return false;
    }
    WireResponse next = head.pending.peekFirst();
    return next == null ? inFlight < limit : fits(next.length());
  }

  private void wakeIfRoom() {
    if (!dispatching && headCanGo()) {
      dispatching = true;
      dispatcher.execute(this::dispatch);
    }
  }

  /** Resumes the streams in line, first come first served, while there is room. */
  private void dispatch() {
    while (true) {
      StreamBudget next;
      synchronized (this) {
        if (!headCanGo()) {
          dispatching = false;
          return;
        }
        next = waiting.pollFirst();
        next.queued = false;
        next.granted = true;
      }
      try {
        next.resume.run();
      } catch (RuntimeException e) {
        LOG.error("xDS stream could not be resumed after waiting for the response budget", e);
      } finally {
        synchronized (this) {
          next.granted = false;
        }
      }
    }
  }
}
