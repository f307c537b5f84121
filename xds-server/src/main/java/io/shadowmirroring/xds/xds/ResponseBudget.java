package io.shadowmirroring.xds.xds;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bound, across every xDS stream, on the response bytes written to gRPC but not yet taken by the
 * clients: without it, a thousand proxies connecting at once to 10,000 Services put a thousand times
 * their first responses (about 8 MB each) into Netty's direct buffers together, and the server dies of
 * an OutOfMemoryError of direct memory long before its heap is full.
 *
 * <p>Two figures bound it. The budget ({@code --response-budget}) bounds every byte in flight. The
 * window, at most {@link #WINDOW_DEFAULT_BYTES}, bounds those of streams whose proxies are taking their
 * responses: a stream that has held bytes for {@link #SLOW_AFTER_DEFAULT} without taking them is slow,
 * and its bytes then count against the budget only. So a few proxies that stop reading do not hold up
 * every other stream until their connections end, and a storm of healthy proxies is served from a
 * small working set: with 128 MiB in flight, a thousand proxies connecting at once cost the server
 * about a fifth more CPU than with 32 MiB, and finished later (bench scenario 5), since Netty's pool
 * kept creating and freeing 2 MiB chunks of fresh direct memory (gRPC's allocator,
 * {@code Utils.createByteBufAllocator}: maxOrder 8) and the bytes went through memory instead of cache.
 *
 * <p>A response is written only when there is room for it; one larger than the window goes alone
 * (when no other stream's bytes are being taken). Its bytes stay in flight until its stream's
 * transport is ready again, or the stream ends ({@link StreamBudget}). Streams that find no room wait
 * in FIFO order; one dispatcher thread resumes them, one after the other, while there is room, and
 * marks holders slow when their time is up. Every release and every new waiter checks whether the
 * dispatcher must run, under this object's lock, so no wake-up is lost.
 *
 * <p>Lock order: a stream's own lock, then this one; this one is never held while calling out (not
 * into a stream, not into gRPC), so streams cannot deadlock through the budget.
 */
public final class ResponseBudget {
  private static final Logger LOG = LoggerFactory.getLogger(ResponseBudget.class);
  /** The default's cap: more than enough to keep a loopback or LAN link busy. */
  public static final long MAX_DEFAULT_BYTES = 128L * 1024 * 1024;
  /**
   * The bytes of streams whose proxies are taking them: 32 MiB is 27 ms of a 10 Gb/s link, far more
   * than a LAN's round trip needs to keep it busy.
   */
  public static final long WINDOW_DEFAULT_BYTES = 32L * 1024 * 1024;
  /** How long a stream may hold bytes its proxy does not take before they no longer count in the window. */
  public static final Duration SLOW_AFTER_DEFAULT = Duration.ofSeconds(5);

  private final long limit;
  private final long window;
  private final long slowAfterNanos;
  private final ArrayDeque<StreamBudget> waiting = new ArrayDeque<>();
  /** The streams holding bytes that count in the window, in the order they began to hold them. */
  private final LinkedHashSet<StreamBudget> holders = new LinkedHashSet<>();
  private final ScheduledThreadPoolExecutor dispatcher;
  /** Bytes of streams that are not slow: bounded by the window. */
  private long inFlight;
  /** Bytes of slow streams: with {@link #inFlight}, bounded by the budget. */
  private long slowBytes;
  private long peak;
  private long windowPeak;
  private boolean dispatching;
  private boolean slowCheckPending;

  /**
   * An eighth of the largest heap, at most {@link #MAX_DEFAULT_BYTES}: Netty's direct memory defaults
   * to the largest heap too (-XX:MaxDirectMemorySize unset), so this leaves most of it to everything else.
   */
  public static long defaultLimit() {
    return Math.min(MAX_DEFAULT_BYTES, Runtime.getRuntime().maxMemory() / 8);
  }

  /** The budget, with the default window (or the budget, if smaller) and the default time to become slow. */
  public ResponseBudget(long limitBytes, MeterRegistry meters) {
    this(limitBytes, Math.min(limitBytes, WINDOW_DEFAULT_BYTES), SLOW_AFTER_DEFAULT, meters);
  }

  public ResponseBudget(long limitBytes, long windowBytes, Duration slowAfter, MeterRegistry meters) {
    if (limitBytes < 1) {
      throw new IllegalArgumentException("the response budget must be at least 1 byte, not " + limitBytes);
    }
    if (windowBytes < 1 || windowBytes > limitBytes) {
      throw new IllegalArgumentException("the response window must be 1 byte to the budget (" + limitBytes
          + "), not " + windowBytes);
    }
    this.limit = limitBytes;
    this.window = windowBytes;
    this.slowAfterNanos = slowAfter.toNanos();
    // One daemon thread, gone when idle: a budget needs no closing.
    this.dispatcher = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "xds-response-budget");
      thread.setDaemon(true);
      return thread;
    });
    dispatcher.setKeepAliveTime(5, TimeUnit.SECONDS);
    dispatcher.allowCoreThreadTimeOut(true);
    meters.gauge("shadow_mirroring_xds_response_bytes_in_flight", this, ResponseBudget::inFlight);
    meters.gauge("shadow_mirroring_xds_slow_response_bytes", this, ResponseBudget::slowBytes);
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

  public long window() {
    return window;
  }

  /** Every byte in flight, slow streams' included. */
  public synchronized long inFlight() {
    return inFlight + slowBytes;
  }

  /** The bytes of slow streams. */
  public synchronized long slowBytes() {
    return slowBytes;
  }

  /** The most bytes ever in flight at once. */
  public synchronized long peak() {
    return peak;
  }

  /** The most bytes of streams that were not slow ever in flight at once. */
  public synchronized long windowPeak() {
    return windowPeak;
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
    if (stream.granted || (waiting.isEmpty() && anyRoom())) {
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
      if (stream.slow) {
        // Its proxy still takes nothing: what it adds is as slow as what it holds.
        slowBytes += bytes;
      } else {
        if (stream.held == 0) {
          stream.heldSince = System.nanoTime();
          holders.add(stream);
        }
        inFlight += bytes;
        windowPeak = Math.max(windowPeak, inFlight);
      }
      peak = Math.max(peak, inFlight + slowBytes);
      stream.held += bytes;
      scheduleSlowCheck();
      return true;
    }
    if (!stream.queued) {
      enqueue(stream);
    }
    return false;
  }

  /** The stream's transport is ready again, or it ended: what it held is free. */
  synchronized void release(StreamBudget stream) {
    if (stream.slow) {
      slowBytes -= stream.held;
      stream.slow = false;
    } else {
      inFlight -= stream.held;
      holders.remove(stream);
    }
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

  /** Room for {@code bytes} in the window and in the budget; a response alone always fits. */
  private boolean fits(long bytes) {
    boolean windowRoom = inFlight == 0 || inFlight + bytes <= window;
    long all = inFlight + slowBytes;
    return windowRoom && (all == 0 || all + bytes <= limit);
  }

  private boolean anyRoom() {
    return inFlight < window && inFlight + slowBytes < limit;
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
    scheduleSlowCheck();
  }

  /** Whether the first in line can go: its next response fits, or, with nothing kept yet, any room is left. */
  private boolean headCanGo() {
    StreamBudget head = waiting.peekFirst();
    if (head == null) {
      return false;
    }
    WireResponse next = head.pending.peekFirst();
    return next == null ? anyRoom() : fits(next.length());
  }

  private void wakeIfRoom() {
    if (!dispatching && headCanGo()) {
      dispatching = true;
      dispatcher.execute(this::dispatch);
    }
  }

  /**
   * While streams wait and others hold bytes in the window, a check is due when the eldest holder's
   * time is up; none runs otherwise (no timer ticks on an idle server).
   */
  private void scheduleSlowCheck() {
    if (slowCheckPending || waiting.isEmpty() || holders.isEmpty()) {
      return;
    }
    slowCheckPending = true;
    long due = holders.iterator().next().heldSince + slowAfterNanos - System.nanoTime();
    dispatcher.schedule(this::checkSlow, Math.max(0, due), TimeUnit.NANOSECONDS);
  }

  /** Holders whose time is up become slow: their bytes leave the window, and waiting streams may go. */
  private synchronized void checkSlow() {
    slowCheckPending = false;
    long now = System.nanoTime();
    for (var eldest = holders.iterator(); eldest.hasNext(); ) {
      StreamBudget holder = eldest.next();
      if (now - holder.heldSince < slowAfterNanos) {
        break;
      }
      eldest.remove();
      holder.slow = true;
      inFlight -= holder.held;
      slowBytes += holder.held;
    }
    wakeIfRoom();
    scheduleSlowCheck();
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
