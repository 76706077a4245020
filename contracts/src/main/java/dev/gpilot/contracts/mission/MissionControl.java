package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gpilot.contracts.json.Envelope;
import java.util.Objects;
import java.util.Set;

/**
 * A command for a running mission: the record on {@code gpilot.mission-control.v1}, keyed by
 * missionId. A command for a finished or unknown mission is ignored by the job.
 *
 * <ul>
 *   <li>{@link #CANCEL}: from the API, a user cancels the mission.
 *   <li>{@link #BUDGET_HELD}: from the job's budget gate, the attempt {@code stepId}/{@code
 *       attempt} waits for {@code budgetId} to cover it ({@code reason} says how much is missing);
 *       the mission pauses.
 *   <li>{@link #BUDGET_RELEASED}: from the budget gate, the held attempt got its budget and runs
 *       now.
 * </ul>
 *
 * @param requestedBy the token subject that asked (cancel); {@code budget-gate} for the gate's
 *     commands
 * @param ts epoch milliseconds
 */
@JsonPropertyOrder({"type", "version", "id", "missionId", "workspaceId"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MissionControl(
    String command,
    String missionId,
    String workspaceId,
    String requestedBy,
    long ts,
    String stepId,
    Integer attempt,
    String budgetId,
    String reason)
    implements Envelope {
  public static final String CANCEL = "mission.cancel";
  public static final String BUDGET_HELD = "step.budget-held";
  public static final String BUDGET_RELEASED = "step.budget-released";
  private static final Set<String> COMMANDS = Set.of(CANCEL, BUDGET_HELD, BUDGET_RELEASED);

  @JsonCreator
  public MissionControl {
    Objects.requireNonNull(command, "command is required");
    Objects.requireNonNull(missionId, "missionId is required");
    Objects.requireNonNull(workspaceId, "workspaceId is required");
    if (!COMMANDS.contains(command)) {
      throw new IllegalArgumentException("unknown command '" + command + "'");
    }
    if (!CANCEL.equals(command) && (stepId == null || attempt == null || budgetId == null)) {
      throw new IllegalArgumentException(command + " needs stepId, attempt and budgetId");
    }
  }

  /** A cancel. */
  public MissionControl(
      String command, String missionId, String workspaceId, String requestedBy, long ts) {
    this(command, missionId, workspaceId, requestedBy, ts, null, null, null, null);
  }

  @Override
  public String type() {
    return command;
  }

  @Override
  public String id() {
    return missionId
        + "/"
        + command
        + "/"
        + (stepId == null ? "" : stepId + "/" + attempt + "/")
        + ts;
  }
}
