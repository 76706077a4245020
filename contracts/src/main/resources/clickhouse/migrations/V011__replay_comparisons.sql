-- Batch replays of missions (SPEC.md section 8, "Replays: forks of history"): one row per (original, fork) pair of a
-- run, written by `./gpilot replay report <run>`. A later report of the same run writes the pair again with a higher
-- reported_at_ms: read with FINAL (or argMax) for the newest. V011, not V010: V010 is kept for the analytics rollups.
CREATE TABLE IF NOT EXISTS replay_comparisons (
  run_id String,
  workspace_id String,
  original_id String,
  fork_id String,
  model String,
  from_step String,
  original_status String,
  fork_status String,
  original_cost_micros UInt64,
  fork_cost_micros UInt64,
  original_tokens UInt64,
  fork_tokens UInt64,
  original_duration_ms UInt64,
  fork_duration_ms UInt64,
  reported_at_ms UInt64
) ENGINE = ReplacingMergeTree(reported_at_ms)
ORDER BY (run_id, original_id);
