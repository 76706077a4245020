-- The wallet ledger, written by the MissionJob's budget gate: grants credited (+), finished attempts' exact costs
-- drawn from grants (−, one line per grant drawn from), what grants had left when they expired (−). balance_micros is
-- the wallet's balance after the line. A re-sent line has the same entry_id and at_ms, so it collapses on merge (read
-- with FINAL). Times are epoch milliseconds in UInt64 (no DateTime64 on 18.16).
CREATE TABLE IF NOT EXISTS wallet_ledger (
  workspace_id String,
  entry_id String,
  at DateTime,
  at_ms UInt64,
  kind String,
  grant_id String,
  amount_micros Int64,
  balance_micros Int64,
  mission_id String,
  step_id String,
  attempt UInt32,
  agent String,
  model String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (workspace_id, at_ms, entry_id);
