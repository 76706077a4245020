package dev.gpilot.api.missions;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.gpilot.api.http.ApiException;
import java.io.IOException;

/**
 * What became of one line of a batch: accepted ({@code 202}, durable in Kafka, or an idempotent
 * replay) or refused with the problem the single POST would have answered.
 *
 * @param line the line's number in the body, from 1
 * @param missionId the accepted mission; null when refused
 * @param replayed an earlier request with the same idempotency key made the mission; nothing was
 *     written
 * @param type the problem's {@code /problems/<slug>}; null when accepted
 * @param detail the problem's detail; null when accepted
 */
public record LineResult(
    int line, int status, String missionId, boolean replayed, String type, String detail) {

  static LineResult accepted(int line, MissionService.Submission submission) {
    return new LineResult(line, 202, submission.missionId(), submission.replayed(), null, null);
  }

  static LineResult rejected(int line, ApiException problem) {
    return new LineResult(
        line, problem.status(), null, false, "/problems/" + problem.type(), problem.getMessage());
  }

  public boolean accepted() {
    return status == 202;
  }

  /**
   * Writes {@code {line, missionId, status: 202[, replayed: true]}} or {@code {line, status, type,
   * detail}}, field by field (a batch answers a thousand of them).
   */
  public void writeTo(JsonGenerator json) throws IOException {
    json.writeStartObject();
    json.writeNumberField("line", line);
    if (accepted()) {
      json.writeStringField("missionId", missionId);
      json.writeNumberField("status", status);
      if (replayed) {
        json.writeBooleanField("replayed", true);
      }
    } else {
      json.writeNumberField("status", status);
      json.writeStringField("type", type);
      json.writeStringField("detail", detail);
    }
    json.writeEndObject();
  }
}
