package dev.gpilot.api.http;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * Reading a request body with a bound: an oversized one is refused without being held in memory
 * (the rest of it is read and dropped, up to {@link #DISCARD_LIMIT}).
 */
public final class RequestBodies {
  /**
   * How much of a refused body is still read and dropped. A client that is still sending when the
   * server answers and closes gets a reset connection instead of the answer (nginx reads on for the
   * same reason, its "lingering close"); past this bound the connection is closed unread.
   */
  public static final long DISCARD_LIMIT = 32L * 1024 * 1024;

  private RequestBodies() {}

  /**
   * Before refusing a request by its {@code Content-Length} alone: reads and drops its body, when
   * it is within {@link #DISCARD_LIMIT} and the client is not waiting for {@code 100 Continue}
   * (such a client sends nothing once refused, and reading would ask it to send).
   */
  public static void discardBeforeRefusing(HttpServletRequest request) {
    long length = request.getContentLengthLong();
    if (length > DISCARD_LIMIT || "100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
      return;
    }
    try {
      discard(request.getInputStream());
    } catch (IOException e) {
      // The answer is a refusal either way; a body that cannot be read need not be dropped.
    }
  }

  /**
   * Reads a body of at most {@code maxBytes}.
   *
   * @throws ApiException 400 when it cannot be read or is over {@code maxBytes} ("the request body
   *     is over N KiB")
   */
  public static byte[] read(InputStream body, int maxBytes) {
    return read(
        body,
        maxBytes,
        () -> ApiException.badRequest("the request body is over " + (maxBytes / 1024) + " KiB"));
  }

  /**
   * Reads a body of at most {@code maxBytes}: no more than {@code maxBytes + 1} bytes are read.
   *
   * @throws ApiException 400 when it cannot be read; {@code tooLarge}'s when it is over {@code
   *     maxBytes}
   */
  public static byte[] read(InputStream body, int maxBytes, Supplier<ApiException> tooLarge) {
    byte[] bytes;
    try {
      bytes = body.readNBytes(maxBytes + 1);
    } catch (IOException e) {
      throw ApiException.badRequest("could not read the request body: " + e.getMessage());
    }
    if (bytes.length > maxBytes) {
      discard(body);
      throw tooLarge.get();
    }
    return bytes;
  }

  /** Reads and drops what is left of a body, at most {@link #DISCARD_LIMIT} bytes. */
  private static void discard(InputStream body) {
    byte[] buffer = new byte[64 * 1024];
    try {
      for (long read = 0; read < DISCARD_LIMIT; ) {
        int n = body.read(buffer);
        if (n < 0) {
          return;
        }
        read += n;
      }
    } catch (IOException e) {
      // Refused either way: the client's answer does not depend on the rest of its body.
    }
  }
}
