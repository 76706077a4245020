package dev.gpilot.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/** Reading a request body with a bound, so an oversized one is refused without being read whole. */
public final class RequestBodies {
  private RequestBodies() {}

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
      throw tooLarge.get();
    }
    return bytes;
  }
}
