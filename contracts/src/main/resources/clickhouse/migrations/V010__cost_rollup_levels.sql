-- Coarser rollups for long analytics ranges (SPEC.md section 8, "Coarser rollups"), exact for any range.
-- cost_rollup_1h and cost_rollup_1d hold, per whole UTC hour or day and (workspace, agent, model), the sums of
-- cost_rollup_1m's rows (highest version of each, all slices), written by the API's sealer from cost_rollup_1m FINAL;
-- slice is always '' and version the second the sealer computed the row (a later seal replaces an earlier one).
CREATE TABLE IF NOT EXISTS cost_rollup_1h AS cost_rollup_1m;
CREATE TABLE IF NOT EXISTS cost_rollup_1d AS cost_rollup_1m;

-- When each UTC hour of cost_rollup_1m last took a row: written by the materialized view below on every insert into
-- cost_rollup_1m (now() at the insert), so a row added to an hour after it was sealed (a re-fired window, a straggler)
-- shows. Read with max(touched_at) per hour.
CREATE TABLE IF NOT EXISTS cost_rollup_touched (
  workspace_id String,
  hour DateTime,
  touched_at DateTime
) ENGINE = ReplacingMergeTree(touched_at)
PARTITION BY toYYYYMM(hour)
ORDER BY (workspace_id, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_rollup_touched_mv TO cost_rollup_touched AS
SELECT workspace_id, toDateTime(intDiv(toUInt32(window_start), 3600) * 3600) AS hour, max(now()) AS touched_at
FROM cost_rollup_1m GROUP BY workspace_id, hour;

-- One row per sealed (workspace, level, window): level is the window's length in seconds (3600, 86400), touched_at
-- the window's newest touch the seal covered. A window's coarse rows are exact while no touch is newer than that.
CREATE TABLE IF NOT EXISTS cost_rollup_seals (
  workspace_id String,
  level UInt32,
  window_start DateTime,
  touched_at DateTime,
  sealed_at DateTime
) ENGINE = ReplacingMergeTree(sealed_at)
PARTITION BY toYYYYMM(window_start)
ORDER BY (workspace_id, level, window_start);

-- The hours that already have rows, so the sealer seals history written before this migration too.
INSERT INTO cost_rollup_touched (workspace_id, hour, touched_at)
SELECT workspace_id, toDateTime(intDiv(toUInt32(window_start), 3600) * 3600) AS hour, now()
FROM cost_rollup_1m GROUP BY workspace_id, hour;
