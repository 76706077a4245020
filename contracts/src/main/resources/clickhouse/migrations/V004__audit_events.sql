-- Audit events from gpilot.audit.v1 (vault set, delete, rotate, decrypt-for-use), copied by the MissionJob.
-- Never a secret's value. A re-sent event (at-least-once) has the same id and at_ms, so it collapses on merge
-- (read with FINAL, or count distinct event_id). Times are epoch milliseconds in UInt64 (no DateTime64 on 18.16).
CREATE TABLE IF NOT EXISTS audit_events (
  workspace_id String,
  event_id String,
  at DateTime,
  at_ms UInt64,
  action String,
  actor String,
  source String,
  secret_name String,
  key_version UInt32,
  revision UInt64,
  fingerprint String,
  outcome String,
  reason String,
  mission_id String,
  step_id String,
  attempt UInt32
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (workspace_id, at_ms, event_id);
