-- Price versions written by replays (SPEC.md section 8, Replays): each version's raw rows and rollups are in tables
-- of their own (copies of cost_records and cost_rollup_1m, named here), never in the live ones. A replay into the
-- same version again writes a row with a higher updated_at_ms: read with FINAL (a small table).
CREATE TABLE IF NOT EXISTS price_versions (
  version String,
  raw_table String,
  rollup_table String,
  created_at_ms UInt64,
  updated_at_ms UInt64,
  prices String,
  from_ms UInt64,
  to_ms UInt64,
  records UInt64
) ENGINE = ReplacingMergeTree(updated_at_ms)
ORDER BY version;
