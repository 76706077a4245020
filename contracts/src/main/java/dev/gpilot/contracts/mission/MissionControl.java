package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * A command for a running mission: the record on {@code gpilot.mission-control.v1}, keyed by missionId. The only
 * command so far is {@code mission.cancel}; a command for a finished or unknown mission is ignored by the job.
 *
 * @param command {@link #CANCEL}
 * @param requestedBy the token subject that asked
 * @param ts epoch milliseconds
 */
@JsonPropertyOrder({"type", "version", "id", "missionId", "workspaceId"})
public record MissionControl(String command, String missionId, String workspaceId, String requestedBy, long ts) {
  public static final String CANCEL = "mission.cancel";

  public MissionControl {
    Objects.requireNonNull(command, "command is required");
    Objects.requireNonNull(missionId, "missionId is required");
    Objects.requireNonNull(workspaceId, "workspaceId is required");
    if (!CANCEL.equals(command)) {
      throw new IllegalArgumentException("unknown command '" + command + "'");
    }
  }

  @JsonProperty("type")
  public String type() {
    return command;
  }

  @JsonProperty("version")
  public int version() {
    return 1;
  }

  @JsonProperty("id")
  public String id() {
    return missionId + "/" + command + "/" + ts;
  }
}
