-- Cost analytics (SPEC.md section 8). Only SQL that ClickHouse 18.16 and a current ClickHouse both accept.

-- One row per finished step attempt (a cost record). A re-sent record has the same id and finish time, so it
-- replaces itself when parts merge; reads over large ranges use cost_rollup_1m instead of FINAL on this table.
CREATE TABLE IF NOT EXISTS cost_records (
  id String,
  workspace_id String,
  mission_id String,
  step_id String,
  attempt UInt32,
  agent String,
  model String,
  succeeded UInt8,
  prompt_tokens UInt64,
  output_tokens UInt64,
  thinking_tokens UInt64,
  cached_tokens UInt64,
  cost_micros Int64,
  price_version String,
  started_at_ms UInt64,
  finished_at_ms UInt64,
  finished_at DateTime,
  latency_ms UInt64,
  new_mission UInt8,
  new_agent_mission UInt8
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(finished_at)
ORDER BY (workspace_id, finished_at, id);

-- Event-time 1-minute windows per (workspace, agent, model). A window that fires again (late records within the
-- allowed lateness) writes a row with a higher version, which replaces the older one: read with
-- argMax(column, version) grouped by the whole key. slice is '' for the window's row; a record later than the
-- allowed lateness gets its own row, slice = the record's id, so no cost is ever dropped.
CREATE TABLE IF NOT EXISTS cost_rollup_1m (
  workspace_id String,
  window_start DateTime,
  agent String,
  model String,
  slice String,
  steps UInt64,
  missions UInt64,
  agent_missions UInt64,
  errors UInt64,
  prompt_tokens UInt64,
  output_tokens UInt64,
  thinking_tokens UInt64,
  cached_tokens UInt64,
  cost_micros Int64,
  latency_sum_ms UInt64,
  latency_max_ms UInt64,
  version UInt64
) ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (workspace_id, window_start, agent, model, slice);
