package io.shadowmirroring.xds.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A plain-text HTTP/2 connection to 127.0.0.1 spoken frame by frame (RFC 9113), for what a gRPC library
 * will not do on request: PING as often as the test likes, open more streams than the server allows, and
 * show every GOAWAY and RST_STREAM the server sends. Headers go as HPACK literals without indexing, so no
 * table is kept. The server's SETTINGS and PINGs are acknowledged; everything else is left to the test.
 */
public final class RawHttp2Connection implements AutoCloseable {
  public static final int DATA = 0;
  public static final int HEADERS = 1;
  public static final int RST_STREAM = 3;
  public static final int SETTINGS = 4;
  public static final int PING = 6;
  public static final int GOAWAY = 7;
  /** HTTP/2 error codes (RFC 9113 section 7). */
  public static final int NO_ERROR = 0;
  public static final int REFUSED_STREAM = 7;
  public static final int ENHANCE_YOUR_CALM = 0xb;

  private static final int END_STREAM = 0x1;
  private static final int ACK = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /**
   * One frame as received, with its {@link System#nanoTime()} of arrival; {@code type} -1 marks the end of
   * the connection.
   */
  public record Frame(int type, int flags, int streamId, byte[] payload, long receivedNanos) {
    public boolean isAck() {
      return (flags & ACK) != 0;
    }

    /** The error code of a GOAWAY or RST_STREAM. */
    public int errorCode() {
      return ByteBuffer.wrap(payload, type == GOAWAY ? 4 : 0, 4).getInt();
    }

    /** The debug data of a GOAWAY, such as gRPC's {@code too_many_pings}. */
    public String goAwayDebug() {
      return new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      String name = switch (type) {
        case -1 -> "EOF";
        case DATA -> "DATA";
        case HEADERS -> "HEADERS";
        case RST_STREAM -> "RST_STREAM(" + errorCode() + ")";
        case SETTINGS -> "SETTINGS";
        case PING -> "PING";
        case GOAWAY -> "GOAWAY(" + errorCode() + "," + goAwayDebug() + ")";
        default -> "type " + type;
      };
      return name + "@" + streamId + (isAck() && (type == PING || type == SETTINGS) ? "+ACK" : "");
    }
  }

  private final Socket socket;
  private final OutputStream out;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final List<Frame> seen = new ArrayList<>();
  private final Thread reader;

  public RawHttp2Connection(int port) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    DataInputStream in = new DataInputStream(socket.getInputStream());
    // The preface goes first, before the reader can answer the server's SETTINGS with an ACK: anything else
    // first is a protocol error ("client preface string missing or corrupt").
    synchronized (this) {
      out.write(PREFACE);
      writeFrame(SETTINGS, 0, 0, new byte[0]);
    }
    reader = new Thread(() -> read(in), "raw-http2-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read(DataInputStream in) {
    try {
      while (true) {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == SETTINGS && (flags & ACK) == 0) {
          synchronized (this) {
            writeFrame(SETTINGS, ACK, 0, new byte[0]);
          }
        }
        if (type == PING && (flags & ACK) == 0) {
          // gRPC's server pings too (flow control, and before its final GOAWAY); a peer must answer.
          synchronized (this) {
            writeFrame(PING, ACK, 0, payload);
          }
        }
        frames.add(new Frame(type, flags, stream, payload, System.nanoTime()));
      }
    } catch (EOFException | java.net.SocketException e) {
      frames.add(new Frame(-1, 0, 0, new byte[0], System.nanoTime()));
    } catch (IOException e) {
      frames.add(new Frame(-1, 0, 0, new byte[0], System.nanoTime()));
    }
  }

  public synchronized void ping(long data) throws IOException {
    writeFrame(PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
  }

  /** Opens a gRPC call (HEADERS with END_HEADERS) on a client stream id: 1, 3, 5, ... */
  public synchronized void startCall(int streamId, String fullMethod) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    literal(block, ":method", "POST");
    literal(block, ":scheme", "http");
    literal(block, ":path", "/" + fullMethod);
    literal(block, ":authority", "127.0.0.1");
    literal(block, "content-type", "application/grpc");
    literal(block, "te", "trailers");
    writeFrame(HEADERS, END_HEADERS, streamId, block.toByteArray());
  }

  /** Sends one gRPC message (uncompressed length-prefixed) on a stream. */
  public synchronized void sendMessage(int streamId, byte[] message, boolean endStream) throws IOException {
    byte[] framed = ByteBuffer.allocate(5 + message.length).put((byte) 0).putInt(message.length).put(message).array();
    writeFrame(DATA, endStream ? END_STREAM : 0, streamId, framed);
  }

  /** The next frame that matches, skipping others; fails with every frame seen when none comes in time. */
  public Frame await(String what, Predicate<Frame> matching, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      Frame frame = left > 0 ? frames.poll(left, TimeUnit.NANOSECONDS) : null;
      if (frame == null) {
        throw new AssertionError("no " + what + " within " + timeout.toMillis() + " ms; frames seen: " + seen());
      }
      synchronized (seen) {
        seen.add(frame);
      }
      if (matching.test(frame)) {
        return frame;
      }
      if (frame.type() == -1) {
        throw new AssertionError("the connection ended before " + what + "; frames seen: " + seen());
      }
    }
  }

  /** Every frame taken so far, oldest first, and those that arrived since, without waiting. */
  public List<Frame> seen() {
    synchronized (seen) {
      frames.drainTo(seen);
      return List.copyOf(seen);
    }
  }

  private static void literal(ByteArrayOutputStream block, String name, String value) {
    // Literal Header Field without Indexing, new name (RFC 7541 section 6.2.2); lengths below 127 fit the prefix.
    block.write(0);
    for (String text : new String[] {name, value}) {
      byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
      if (bytes.length >= 127) {
        throw new IllegalArgumentException("header text too long for this client: " + text);
      }
      block.write(bytes.length);
      block.writeBytes(bytes);
    }
  }

  private void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(9);
    header.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
    header.put((byte) type).put((byte) flags).putInt(streamId);
    out.write(header.array());
    out.write(payload);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
