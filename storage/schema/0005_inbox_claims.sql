-- Two bot processes on one database must not both handle the same update: a row is claimed (with a lease, in
-- case the claiming process dies) before it is processed.
ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox ADD COLUMN claimed_at TEXT;
