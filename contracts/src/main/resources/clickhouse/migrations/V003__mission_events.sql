-- Every mission event as the MissionJob wrote it to gpilot.mission-events.v1, kept beyond the topic's 7-day retention
-- so that the API can replay finished missions after their events left Kafka or its memory.
-- One row per (workspace, mission, seq): at-least-once duplicates are the same event and collapse on merge (readers
-- keep one per seq anyway, so they need no FINAL). `event` is the MissionEvent JSON; ts (DateTime) partitions by
-- month, so old months are dropped with ALTER TABLE ... DROP PARTITION (18.16 has no TTL).
CREATE TABLE IF NOT EXISTS mission_events (
  workspace_id String,
  mission_id String,
  seq UInt64,
  type String,
  ts DateTime,
  ts_ms UInt64,
  event String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (workspace_id, mission_id, seq);
