package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The latest known state of a mission, as stored in ClickHouse's {@code missions} table (one row
 * per mission; a row with a higher {@code version} replaces an older one).
 *
 * @param version the mission's event seq when the summary was made: newer summaries have higher
 *     versions
 * @param submittedAt epoch milliseconds
 * @param startedAt epoch milliseconds, 0 until planning finished
 * @param finishedAt epoch milliseconds, 0 until the mission ended
 * @param result the outputs of the final steps, may be null
 * @param reason why the mission failed, may be null
 * @param costMicros the mission's cost in micro-credits
 * @param agentCosts the mission's cost by agent, in micro-credits (sums to {@code costMicros});
 *     sorted by agent
 */
public record MissionSummary(
    String workspaceId,
    String missionId,
    MissionStatus status,
    String mission,
    long submittedAt,
    long startedAt,
    long finishedAt,
    int stepsTotal,
    int stepsSucceeded,
    int stepsFailed,
    Plan plan,
    JsonNode result,
    String reason,
    long costMicros,
    Map<String, Long> agentCosts,
    long version) {

  public MissionSummary {
    Objects.requireNonNull(workspaceId, "workspaceId is required");
    Objects.requireNonNull(missionId, "missionId is required");
    Objects.requireNonNull(status, "status is required");
    agentCosts =
        agentCosts == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(agentCosts));
  }
}
