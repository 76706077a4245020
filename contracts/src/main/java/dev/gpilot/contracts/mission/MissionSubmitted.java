package dev.gpilot.contracts.mission;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.gpilot.contracts.json.Envelope;
import java.util.Objects;

/**
 * A mission to run: the record on {@code gpilot.missions.v1}, keyed by missionId. Written by the
 * API and by external producers; the job drops a second record with a missionId it has already
 * seen.
 *
 * @param missionId unique id, also the record key
 * @param workspaceId the tenant
 * @param ts submission time, epoch milliseconds
 * @param mission what to do, in plain words
 * @param config how to run it
 * @param idempotencyKey the client's Idempotency-Key, may be null
 * @param requestHash SHA-256 of the normalized request, to tell a retry from a different request
 *     under the same key
 * @param submittedBy who submitted it (token subject), may be null
 * @param rerun set when the mission is a fork of an earlier one ({@link Rerun}); null for a new
 *     mission
 */
@JsonPropertyOrder({"type", "version", "id", "missionId", "workspaceId", "ts"})
public record MissionSubmitted(
    String missionId,
    String workspaceId,
    long ts,
    String mission,
    MissionConfig config,
    String idempotencyKey,
    String requestHash,
    String submittedBy,
    Rerun rerun)
    implements Envelope {

  public static final String TYPE = "mission.submitted";

  /** A new mission (not a fork). */
  public MissionSubmitted(
      String missionId,
      String workspaceId,
      long ts,
      String mission,
      MissionConfig config,
      String idempotencyKey,
      String requestHash,
      String submittedBy) {
    this(
        missionId,
        workspaceId,
        ts,
        mission,
        config,
        idempotencyKey,
        requestHash,
        submittedBy,
        null);
  }

  public MissionSubmitted {
    requireText(missionId, "missionId");
    requireText(workspaceId, "workspaceId");
    requireText(mission, "mission");
    config = config == null ? MissionConfig.DEFAULT : config;
    if (rerun != null && config.plan() == null) {
      throw new IllegalArgumentException(
          "a fork (rerun) carries its original's plan as config.plan");
    }
  }

  @Override
  public String type() {
    return TYPE;
  }

  /** The record's stable id: the mission id. */
  @Override
  public String id() {
    return missionId;
  }

  static void requireText(String value, String name) {
    Objects.requireNonNull(value, name + " is required");
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }
}
