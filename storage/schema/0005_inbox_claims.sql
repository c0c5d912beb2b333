-- Two bot processes on one database must not both handle the same update: a row is claimed (with a lease, in
-- case the claiming process dies) before it is processed.
ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox ADD COLUMN claimed_at TEXT;

-- The update that confirmed or cancelled a preview: a typed "có" delivered again recognises itself.
ALTER TABLE pending ADD COLUMN resolved_by TEXT;
CREATE INDEX ix_pending_resolved_by ON pending(resolved_by) WHERE resolved_by IS NOT NULL;
