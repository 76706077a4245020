package dev.gpilot.api.missions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.api.http.RequestBodies;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code POST /api/v1/missions/batch} body: NDJSON, one mission request per line, each exactly
 * what {@code POST /api/v1/missions} takes (validated by {@link MissionRequest}, the one rule set)
 * plus an optional top-level {@code "idempotencyKey"}, which only a batch line may carry. Each line
 * is judged on its own: a bad line is an {@link Invalid} line, never a reason to refuse the others;
 * only a body that is too large or has no mission at all is refused whole.
 *
 * @param lines the non-blank lines, in order
 */
public record MissionBatch(List<Line> lines) {
  public static final int MAX_LINES = 1_000;
  public static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

  /** The field of a batch line that the single POST takes as its {@code Idempotency-Key} header. */
  public static final String IDEMPOTENCY_KEY = "idempotencyKey";

  public MissionBatch {
    lines = List.copyOf(lines);
  }

  /** One non-blank line of the body. */
  public sealed interface Line permits Valid, Invalid {
    /**
     * The line's number in the body, from 1, blank lines counted: what a client finds in its file.
     */
    int number();
  }

  /** A line that is a valid mission request; {@code idempotencyKey} null when it has none. */
  public record Valid(int number, MissionRequest request, String idempotencyKey) implements Line {}

  /** A line that is not: its problem (400, or 422 for a plan that cannot run). */
  public record Invalid(int number, ApiException problem) implements Line {}

  /**
   * Reads a body of at most {@link #MAX_BODY_BYTES}.
   *
   * @throws ApiException 413 for a larger body or more than {@link #MAX_LINES} non-blank lines, 400
   *     for a body with no non-blank line
   */
  public static MissionBatch read(InputStream body) {
    return parse(RequestBodies.read(body, MAX_BODY_BYTES, MissionBatch::tooLarge));
  }

  static ApiException tooLarge() {
    return ApiException.tooLarge(
        "a batch is at most "
            + MAX_LINES
            + " missions and "
            + (MAX_BODY_BYTES >> 20)
            + " MiB; split it (nothing of this one was accepted)");
  }

  static MissionBatch parse(byte[] body) {
    List<Line> lines = new ArrayList<>();
    int number = 0;
    for (int start = 0; start < body.length; ) {
      int end = indexOf(body, (byte) '\n', start);
      number++;
      int last = end > start && body[end - 1] == '\r' ? end - 1 : end;
      if (!blank(body, start, last)) {
        if (lines.size() == MAX_LINES) {
          throw tooLarge();
        }
        lines.add(line(number, body, start, last - start));
      }
      start = end + 1;
    }
    if (lines.isEmpty()) {
      throw ApiException.badRequest(
          "the body has no mission; send one mission request (a JSON object) per line");
    }
    return new MissionBatch(lines);
  }

  private static Line line(int number, byte[] body, int offset, int length) {
    try {
      if (length > MissionRequest.MAX_BODY_BYTES) {
        throw ApiException.badRequest(
            "the line is over " + (MissionRequest.MAX_BODY_BYTES / 1024) + " KiB");
      }
      JsonNode node = MissionRequest.readJson(body, offset, length, "the line");
      if (!node.isObject()) {
        throw ApiException.badRequest("the line must be a JSON object, a mission request");
      }
      JsonNode key = ((ObjectNode) node).remove(IDEMPOTENCY_KEY);
      if (key != null && !key.isNull() && !key.isTextual()) {
        throw ApiException.badRequest("'" + IDEMPOTENCY_KEY + "' must be a string");
      }
      return new Valid(
          number, MissionRequest.of(node), key == null || key.isNull() ? null : key.textValue());
    } catch (ApiException e) {
      return new Invalid(number, e);
    }
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return bytes.length;
  }

  private static boolean blank(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != ' ' && bytes[i] != '\t' && bytes[i] != '\r') {
        return false;
      }
    }
    return true;
  }
}
