package dev.gpilot.api.missions;

import dev.gpilot.api.http.ApiException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What became of one line of a batch: accepted ({@code 202}, durable in Kafka, or an idempotent replay) or refused
 * with the problem the single POST would have answered.
 *
 * @param line the line's number in the body, from 1
 * @param missionId the accepted mission; null when refused
 * @param replayed an earlier request with the same idempotency key made the mission; nothing was written
 * @param type the problem's {@code /problems/<slug>}; null when accepted
 * @param detail the problem's detail; null when accepted
 */
public record LineResult(int line, int status, String missionId, boolean replayed, String type, String detail) {

  static LineResult accepted(int line, MissionService.Submission submission) {
    return new LineResult(line, 202, submission.missionId(), submission.replayed(), null, null);
  }

  static LineResult rejected(int line, ApiException problem) {
    return new LineResult(line, problem.status(), null, false, "/problems/" + problem.type(), problem.getMessage());
  }

  public boolean accepted() {
    return status == 202;
  }

  /** {@code {line, missionId, status: 202[, replayed: true]}} or {@code {line, status, type, detail}}. */
  public Map<String, Object> toJson() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("line", line);
    if (accepted()) {
      json.put("missionId", missionId);
      json.put("status", status);
      if (replayed) {
        json.put("replayed", true);
      }
    } else {
      json.put("status", status);
      json.put("type", type);
      json.put("detail", detail);
    }
    return json;
  }
}
