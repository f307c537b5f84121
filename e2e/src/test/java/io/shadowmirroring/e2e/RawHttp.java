package io.shadowmirroring.e2e;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, because the JDK's client will not set a Host header and the proxy
 * routes by Host. One instance is one connection; {@code keepAlive} decides whether it is reused.
 */
final class RawHttp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  record Response(int status, String body) {}

  RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** One request on a fresh connection, closed afterwards. */
  static Response once(int port, String method, String host) throws IOException {
    try (RawHttp http = new RawHttp(port)) {
      return http.send(method, host, false);
    }
  }

  /** Sends one request and reads its response by Content-Length (never waits for the connection to close). */
  Response send(String method, String host, boolean keepAlive) throws IOException {
    String body = method.equals("POST") || method.equals("PUT") ? "{\"order\":1}" : "";
    String request = method + " / HTTP/1.1\r\nHost: " + host + "\r\n"
        + (keepAlive ? "" : "Connection: close\r\n")
        + (body.isEmpty() ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n")
        + "\r\n" + body;
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();

    String statusLine = line();
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    int length = 0;
    for (String header = line(); !header.isEmpty(); header = line()) {
      if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(header.substring("content-length:".length()).strip());
      }
    }
    byte[] content = method.equals("HEAD") ? new byte[0] : in.readNBytes(length);
    return new Response(status, new String(content, StandardCharsets.UTF_8));
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed mid-response");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
