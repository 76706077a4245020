package dev.gpilot.jobs.vault;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gpilot.contracts.json.Json;
import dev.gpilot.contracts.vault.AuditEvent;

/** Maps an {@link AuditEvent} to a row of the {@code audit_events} table (V004). */
public final class AuditEventRows {
  public static final String TABLE = "audit_events";

  private AuditEventRows() {}

  public static ObjectNode encode(AuditEvent e) {
    ObjectNode row = Json.mapper().createObjectNode();
    row.put("workspace_id", e.workspaceId());
    row.put("event_id", e.id());
    row.put("at", e.ts() / 1000);
    row.put("at_ms", e.ts());
    row.put("action", e.action());
    row.put("actor", e.actor());
    row.put("source", e.source());
    row.put("secret_name", orEmpty(e.secretName()));
    row.put("key_version", e.keyVersion());
    row.put("revision", e.revision());
    row.put("fingerprint", orEmpty(e.fingerprint()));
    row.put("outcome", e.outcome());
    row.put("reason", orEmpty(e.reason()));
    row.put("mission_id", orEmpty(e.missionId()));
    row.put("step_id", orEmpty(e.stepId()));
    row.put("attempt", e.attempt());
    row.put("target", orEmpty(e.target()));
    return row;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
