-- The mission summary's cost by agent: a JSON object {"<agent>": <costMicros>, ...}, '' for older rows.
-- 18.16 has no ADD COLUMN IF NOT EXISTS: the migration runner skips an ADD COLUMN whose column already exists.
ALTER TABLE missions ADD COLUMN agent_costs String DEFAULT '';
