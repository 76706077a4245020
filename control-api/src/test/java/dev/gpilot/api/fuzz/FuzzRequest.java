package dev.gpilot.api.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One request of the fuzz test, as bytes on the wire.
 *
 * @param kind what the generator did, for the report and failure messages (e.g. {@code
 *     mission-body:retype})
 * @param method the request method as sent (may be garbage)
 * @param target the request target as sent (path and query, may be malformed)
 * @param headers header lines in order (name, value), sent as UTF-8 bytes; {@code Host}, {@code
 *     Connection} and {@code Content-Length} are added
 * @param body the body, possibly empty
 * @param raw when not null, the whole request, sent instead of everything else
 */
record FuzzRequest(
    String kind,
    String method,
    String target,
    List<Map.Entry<String, String>> headers,
    byte[] body,
    byte[] raw) {

  /**
   * Whether a 2xx answer to this request may have written to Kafka (a submitted mission, a vault
   * change, ...).
   */
  boolean mayWrite() {
    String sent =
        raw == null ? method : new String(raw, StandardCharsets.ISO_8859_1).split(" ", 2)[0];
    return sent.equals("POST") || sent.equals("PUT") || sent.equals("DELETE");
  }

  boolean head() {
    return "HEAD".equals(method);
  }

  byte[] bytes(int port) {
    if (raw != null) {
      return raw;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder head =
        new StringBuilder()
            .append(method)
            .append(' ')
            .append(target)
            .append(" HTTP/1.1\r\n")
            .append("Host: 127.0.0.1:")
            .append(port)
            .append("\r\n")
            .append("Connection: close\r\n");
    for (Map.Entry<String, String> h : headers) {
      head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
    }
    if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /**
   * A short description: the kind, method and target (cut), for failure messages and the report.
   */
  String describe() {
    String shown = raw != null ? "<" + raw.length + " raw bytes>" : method + " " + target;
    shown =
        shown.length() > 160 ? shown.substring(0, 160) + "…(" + shown.length() + " chars)" : shown;
    String bodyShown =
        body.length == 0 ? "" : " body=" + abbreviate(new String(body, StandardCharsets.UTF_8));
    return "[" + kind + "] " + shown + bodyShown;
  }

  private static String abbreviate(String s) {
    String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
    return printable.length() > 200
        ? printable.substring(0, 200) + "…(" + s.length() + " chars)"
        : printable;
  }
}
