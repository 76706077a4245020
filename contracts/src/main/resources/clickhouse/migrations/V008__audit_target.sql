-- What a control-plane change (workspace, key, member) concerned: 'key:k_…', 'member:…', '' for vault events.
-- 18.16 has no ADD COLUMN IF NOT EXISTS: the migration runner skips an ADD COLUMN whose column already exists.
ALTER TABLE audit_events ADD COLUMN target String DEFAULT '';
