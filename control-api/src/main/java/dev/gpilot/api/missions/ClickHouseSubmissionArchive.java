package dev.gpilot.api.missions;

import static dev.gpilot.clickhouse.ClickHouseClient.literal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gpilot.api.http.ApiException;
import dev.gpilot.clickhouse.ClickHouseClient;
import dev.gpilot.clickhouse.ClickHouseException;
import dev.gpilot.contracts.events.MissionEvent;
import dev.gpilot.contracts.json.CodecException;
import dev.gpilot.contracts.json.JsonCodec;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds stored missions in the ClickHouse table {@code mission_events}, which the MissionJob fills
 * with every event it writes: a mission's first event ({@code mission.accepted}, seq 1) carries the
 * mission text and config as submitted (or, for a fork, its original, model and step), so the
 * request's fingerprint is recomputed from it ({@link RequestFingerprints}; no column of its own,
 * and no stored hash that a newer API would have to compute the same way).
 */
public final class ClickHouseSubmissionArchive implements SubmissionArchive {
  private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSubmissionArchive.class);
  private static final JsonCodec<MissionEvent> CODEC = JsonCodec.of(MissionEvent.class);

  /** Seconds a client waits before retrying while ClickHouse cannot be read. */
  static final long RETRY_AFTER_SECONDS = 2;

  private final ClickHouseClient client;

  public ClickHouseSubmissionArchive(ClickHouseClient client) {
    this.client = client;
  }

  @Override
  public Optional<String> fingerprint(String workspaceId, String missionId) {
    // On the table's sort key (workspace_id, mission_id, seq): one granule read.
    return Optional.ofNullable(fingerprints(workspaceId, List.of(missionId)).get(missionId));
  }

  /** One query for all of them (a batch's keyed lines), on the sort key like a single lookup. */
  @Override
  public Map<String, String> fingerprints(String workspaceId, Collection<String> missionIds) {
    if (missionIds.isEmpty()) {
      return Map.of();
    }
    List<JsonNode> rows;
    try {
      rows =
          client.query(
              "SELECT mission_id, event FROM mission_events WHERE workspace_id = "
                  + literal(workspaceId)
                  + " AND mission_id IN ("
                  + missionIds.stream()
                      .map(ClickHouseClient::literal)
                      .collect(Collectors.joining(", "))
                  + ") AND seq = 1");
    } catch (ClickHouseException e) {
      if (e.unknownTableOrDatabase()) {
        // The job creates the tables when it first starts: until then no mission can be stored
        // there.
        return Map.of();
      }
      LOG.warn(
          "cannot look up {} missions for their idempotency keys: {}",
          missionIds.size(),
          e.getMessage());
      throw ApiException.unavailable(
              "cannot tell now whether this Idempotency-Key was used before; nothing was "
                  + "accepted, retry later")
          .withHeader("Retry-After", String.valueOf(RETRY_AFTER_SECONDS));
    }
    Map<String, String> found = new HashMap<>();
    for (JsonNode row : rows) {
      // The sink writes at least once: a first event may be stored twice, alike.
      String missionId = row.get("mission_id").asText();
      found.computeIfAbsent(missionId, id -> fingerprintOf(id, row.get("event").asText()));
    }
    return found;
  }

  /**
   * The fingerprint recomputed from a stored first event; "" (never a request's) when it cannot be.
   */
  private static String fingerprintOf(String missionId, String event) {
    try {
      String fingerprint = RequestFingerprints.ofAccepted(CODEC.decode(event));
      // Stored, but not with the request it was made from: never the same request.
      return fingerprint == null ? "" : fingerprint;
    } catch (CodecException e) {
      LOG.warn("unreadable stored first event of mission {}: {}", missionId, e.getMessage());
      return "";
    }
  }
}
