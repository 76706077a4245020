package dev.gpilot.api.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client over a socket, one connection per request: it sends exactly the bytes it
 * is given (what {@link java.net.http.HttpClient} refuses to send: bad request lines, raw UTF-8 in
 * paths and headers, huge headers) and reads whatever comes back. A streaming answer ({@code 200}
 * with {@code text/event-stream} or {@code application/x-ndjson}) is read up to its headers, then
 * the connection is closed.
 */
public final class RawHttp {
  /**
   * What the server answered; {@code status} 0 when it closed the connection without an HTTP
   * answer.
   */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    public boolean streaming() {
      String type = header("content-type");
      return status == 200
          && type != null
          && (type.startsWith("text/event-stream") || type.startsWith("application/x-ndjson"));
    }
  }

  private final int port;
  private final int timeoutMs;

  public RawHttp(int port, int timeoutMs) {
    this.port = port;
    this.timeoutMs = timeoutMs;
  }

  /** Sends a whole request, given as text (UTF-8), and reads the answer. */
  public Response send(String request) throws IOException {
    return send(request.getBytes(StandardCharsets.UTF_8), request.startsWith("HEAD "));
  }

  /** Sends a whole request as given and reads the answer (a streaming answer up to its headers). */
  public Response send(byte[] request, boolean head) throws IOException {
    return send(request, head, false);
  }

  /**
   * Sends a whole request as given and reads the answer; {@code wholeBody} reads an NDJSON answer
   * to its end too (one that ends, as a batch's does).
   */
  public Response send(byte[] request, boolean head, boolean wholeBody) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(timeoutMs);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // The server may answer (431, 413) and close before it has read everything: read what it
        // said.
      }
      InputStream in = socket.getInputStream();
      String head0 = readHead(in);
      while (head0 != null && head0.matches("HTTP/1\\.1 1\\d\\d[\\s\\S]*")) {
        head0 = readHead(in); // an interim answer (100 Continue): the final one follows
      }
      if (head0 == null) {
        return new Response(0, Map.of(), new byte[0]);
      }
      String[] lines = head0.split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      int status = Integer.parseInt(statusLine[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.merge(
              lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
              lines[i].substring(colon + 1).strip(),
              (a, b) -> a + ", " + b);
        }
      }
      Response bare = new Response(status, headers, new byte[0]);
      if (head || (bare.streaming() && !wholeBody) || status == 204 || status == 304) {
        return bare;
      }
      return new Response(status, headers, readBody(in, headers));
    } catch (SocketTimeoutException e) {
      throw new IOException("no complete answer within " + timeoutMs + " ms", e);
    }
  }

  /** The status line and headers, or null when the connection ended before any. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = readOrEnd(in)) >= 0) {
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
      }
    }
    return head.size() == 0 ? null : head.toString(StandardCharsets.ISO_8859_1);
  }

  /** A connection reset counts as the end of the answer. */
  private static int readOrEnd(InputStream in) throws IOException {
    try {
      return in.read();
    } catch (SocketTimeoutException e) {
      throw e;
    } catch (IOException e) {
      return -1;
    }
  }

  private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
    String length = headers.get("content-length");
    if (length != null) {
      return in.readNBytes(Integer.parseInt(length.strip()));
    }
    if ("chunked".equalsIgnoreCase(headers.getOrDefault("transfer-encoding", ""))) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        String size = readLine(in);
        int n = Integer.parseInt(size.split(";", 2)[0].strip(), 16);
        if (n == 0) {
          return body.toByteArray();
        }
        body.write(in.readNBytes(n));
        readLine(in);
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int b;
    while ((b = readOrEnd(in)) >= 0) {
      body.write(b);
    }
    return body.toByteArray();
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }
}
