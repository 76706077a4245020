-- One row per mission, the latest summary wins (ReplacingMergeTree on version = the mission's last event seq).
-- Times are epoch milliseconds in UInt64 (18.16 has no DateTime64); submitted_at (DateTime) partitions.
CREATE TABLE IF NOT EXISTS missions (
  workspace_id String,
  mission_id String,
  status String,
  mission String,
  submitted_at DateTime,
  submitted_at_ms UInt64,
  started_at_ms UInt64,
  finished_at_ms UInt64,
  steps_total UInt32,
  steps_succeeded UInt32,
  steps_failed UInt32,
  plan String,
  result String,
  reason String,
  cost_micros Int64,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(submitted_at)
ORDER BY (workspace_id, mission_id);
