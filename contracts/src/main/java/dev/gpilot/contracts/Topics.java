package dev.gpilot.contracts;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kafka topics G-Pilot reads and writes, with the settings they are created with. Values are
 * JSON in one envelope (see SPEC.md); keys are UTF-8 strings.
 */
public final class Topics {
  /** Mission submissions, key = missionId. Written by the API and by external producers. */
  public static final String MISSIONS = "gpilot.missions.v1";

  /** Commands for running missions (cancel), key = missionId. */
  public static final String MISSION_CONTROL = "gpilot.mission-control.v1";

  /** The job's internal feedback loop: finished step attempts, key = missionId; at-least-once. */
  public static final String STEP_RESULTS = "gpilot.step-results.v1";

  /**
   * Best-effort model text of running steps, key = missionId; the scheduler turns it into
   * step.delta events.
   */
  public static final String STEP_DELTAS = "gpilot.step-deltas.v1";

  /** Everything a client sees of a mission, key = missionId, ordered per mission by {@code seq}. */
  public static final String MISSION_EVENTS = "gpilot.mission-events.v1";

  /** One record per finished step attempt for billing integrations, key = workspaceId. */
  public static final String COST_RECORDS = "gpilot.cost-records.v1";

  /** Sealed workspace secrets, compacted, key = workspaceId. */
  public static final String VAULT = "gpilot.vault.v1";

  /**
   * Audit events (vault set, delete, rotate, decrypt-for-use; workspace, key and member changes),
   * key = workspaceId; never a secret's value.
   */
  public static final String AUDIT = "gpilot.audit.v1";

  /**
   * The control plane: workspaces, API keys (keyed hashes only), key usage and members, compacted,
   * key = {@code <kind>/<workspaceId>[/<id>]}; written by the API's one fenced transactional
   * writer.
   */
  public static final String CONTROL_PLANE = "gpilot.control-plane.v1";

  /**
   * Where each budget stands in its period (spent, reserved, held attempts), compacted, key =
   * {@code <workspaceId>/<budgetId>}; written by the MissionJob's budget gate, read by the API.
   */
  public static final String BUDGET_STATUS = "gpilot.budget-status.v1";

  /** A topic to create: its name, partition count and topic-level configuration. */
  public record Spec(String name, int partitions, Map<String, String> config) {}

  /**
   * Every topic the system needs. Partition counts bound the parallelism of the job and of
   * consumers; 4 suits one machine and can be raised (never lowered) later.
   */
  public static List<Spec> all() {
    Map<String, String> week = Map.of("retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
    // Compacted: hourly segments and an eager cleaner bound how long a superseded record (old
    // ciphertexts, old wrapped keys, old control-plane or budget states) stays on disk after a
    // change or a rotation.
    Map<String, String> compacted =
        Map.of(
            "cleanup.policy",
            "compact",
            "segment.ms",
            "3600000",
            "min.cleanable.dirty.ratio",
            "0.1",
            "delete.retention.ms",
            "3600000");
    Map<String, String> vault = new HashMap<>(compacted);
    vault.put("max.message.bytes", "8388608");
    return List.of(
        new Spec(MISSIONS, 4, week),
        new Spec(MISSION_CONTROL, 4, week),
        new Spec(STEP_RESULTS, 4, week),
        new Spec(STEP_DELTAS, 4, Map.of("retention.ms", String.valueOf(24L * 3600 * 1000))),
        new Spec(MISSION_EVENTS, 4, week),
        new Spec(COST_RECORDS, 4, week),
        // One partition: one total order of vault writes. A rotation writes a workspace's whole
        // vault as one record (up to 8 MiB).
        new Spec(VAULT, 1, Map.copyOf(vault)),
        // One partition: one total order of control-plane writes, read whole by every API instance.
        new Spec(CONTROL_PLANE, 1, compacted),
        new Spec(BUDGET_STATUS, 1, compacted),
        new Spec(AUDIT, 4, Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000))));
  }

  private Topics() {}
}
