-- Pipeline (nguồn) and screening (rà soát) snapshots rolled up, kept by triggers, so that a "nguồn" answer at a
-- province root reads a few rows instead of every unit's snapshots.
--
-- A snapshot is not summed over time: a unit's figure is its newest live snapshot (highest id) among the periods
-- a reading counts (`storage.submissions.latest_snapshots`). So:
-- snapshot_heads: per kind, unit and reported period, the unit's newest live snapshot of that exact period
--   (its id and its figures, NULL read as 0).
-- snapshot_rollups: per unit, kind and reported period, the heads of the unit and all units below it (through
--   unit_closure, as `rollups`): how many units have one, and their figures summed.
-- Summing snapshot_rollups over the periods of a reading equals the old answer exactly when no unit has heads in
-- two of those periods (then its one head is its newest); `storage.rollups.snapshot_sums` checks that and says
-- so otherwise, and the caller computes as before.

CREATE TABLE snapshot_heads (
    kind           TEXT NOT NULL,
    unit_id        INTEGER NOT NULL,
    ym_from        INTEGER NOT NULL,
    ym_to          INTEGER NOT NULL,
    submission_id  INTEGER NOT NULL,
    pool           INTEGER NOT NULL,
    certified      INTEGER NOT NULL,
    planned_class  INTEGER NOT NULL,
    reviewed       INTEGER NOT NULL,
    removed        INTEGER NOT NULL,
    followed_up    INTEGER NOT NULL,
    PRIMARY KEY (kind, unit_id, ym_from, ym_to)
) WITHOUT ROWID;
CREATE INDEX ix_snapshot_heads_period ON snapshot_heads(kind, ym_from, ym_to, unit_id);
CREATE INDEX ix_snapshot_heads_submission ON snapshot_heads(submission_id);

CREATE TABLE snapshot_rollups (
    unit_id        INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    ym_from        INTEGER NOT NULL,
    ym_to          INTEGER NOT NULL,
    units          INTEGER NOT NULL DEFAULT 0,  -- units (this one and below) with a head in the period
    pool           INTEGER NOT NULL DEFAULT 0,
    certified      INTEGER NOT NULL DEFAULT 0,
    planned_class  INTEGER NOT NULL DEFAULT 0,
    reviewed       INTEGER NOT NULL DEFAULT 0,
    removed        INTEGER NOT NULL DEFAULT 0,
    followed_up    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, kind, ym_from, ym_to)
) WITHOUT ROWID;

-- A new live snapshot is the newest of its unit, kind and period (ids only grow): it replaces the head.
CREATE TRIGGER submissions_snapshot_insert AFTER INSERT ON submissions
WHEN NEW.superseded_by IS NULL AND NEW.kind IN ('pipeline', 'screening')
BEGIN
    DELETE FROM snapshot_heads
    WHERE kind = NEW.kind AND unit_id = NEW.unit_id AND ym_from = NEW.ym_from AND ym_to = NEW.ym_to
      AND submission_id < NEW.id;
    INSERT OR IGNORE INTO snapshot_heads(kind, unit_id, ym_from, ym_to, submission_id, pool, certified,
                                         planned_class, reviewed, removed, followed_up)
    VALUES (NEW.kind, NEW.unit_id, NEW.ym_from, NEW.ym_to, NEW.id, COALESCE(NEW.pool, 0),
            COALESCE(NEW.certified, 0), COALESCE(NEW.planned_class, 0), COALESCE(NEW.reviewed, 0),
            COALESCE(NEW.removed, 0), COALESCE(NEW.followed_up, 0));
END;

-- A superseded head gives way to the newest live snapshot left in its period, if any.
CREATE TRIGGER submissions_snapshot_supersede AFTER UPDATE OF superseded_by ON submissions
WHEN OLD.superseded_by IS NULL AND NEW.superseded_by IS NOT NULL AND OLD.kind IN ('pipeline', 'screening')
BEGIN
    DELETE FROM snapshot_heads WHERE submission_id = OLD.id;
    INSERT OR IGNORE INTO snapshot_heads(kind, unit_id, ym_from, ym_to, submission_id, pool, certified,
                                         planned_class, reviewed, removed, followed_up)
    SELECT kind, unit_id, ym_from, ym_to, id, COALESCE(pool, 0), COALESCE(certified, 0),
           COALESCE(planned_class, 0), COALESCE(reviewed, 0), COALESCE(removed, 0), COALESCE(followed_up, 0)
    FROM submissions
    WHERE id = (SELECT MAX(id) FROM submissions
                WHERE unit_id = OLD.unit_id AND kind = OLD.kind AND ym_from = OLD.ym_from AND ym_to = OLD.ym_to
                  AND superseded_by IS NULL);
END;

CREATE TRIGGER snapshot_heads_insert AFTER INSERT ON snapshot_heads
BEGIN
    INSERT INTO snapshot_rollups(unit_id, kind, ym_from, ym_to, units, pool, certified, planned_class, reviewed,
                                 removed, followed_up)
        SELECT c.ancestor_id, NEW.kind, NEW.ym_from, NEW.ym_to, 1, NEW.pool, NEW.certified, NEW.planned_class,
               NEW.reviewed, NEW.removed, NEW.followed_up
        FROM unit_closure c WHERE c.unit_id = NEW.unit_id
    ON CONFLICT(unit_id, kind, ym_from, ym_to) DO UPDATE SET
        units = units + 1, pool = pool + excluded.pool, certified = certified + excluded.certified,
        planned_class = planned_class + excluded.planned_class, reviewed = reviewed + excluded.reviewed,
        removed = removed + excluded.removed, followed_up = followed_up + excluded.followed_up;
END;

CREATE TRIGGER snapshot_heads_delete AFTER DELETE ON snapshot_heads
BEGIN
    UPDATE snapshot_rollups SET
        units = units - 1, pool = pool - OLD.pool, certified = certified - OLD.certified,
        planned_class = planned_class - OLD.planned_class, reviewed = reviewed - OLD.reviewed,
        removed = removed - OLD.removed, followed_up = followed_up - OLD.followed_up
    WHERE kind = OLD.kind AND ym_from = OLD.ym_from AND ym_to = OLD.ym_to
      AND unit_id IN (SELECT ancestor_id FROM unit_closure WHERE unit_id = OLD.unit_id);
END;

-- Backfill for databases that already hold snapshots.
INSERT INTO snapshot_heads(kind, unit_id, ym_from, ym_to, submission_id, pool, certified, planned_class, reviewed,
                           removed, followed_up)
    SELECT kind, unit_id, ym_from, ym_to, id, COALESCE(pool, 0), COALESCE(certified, 0), COALESCE(planned_class, 0),
           COALESCE(reviewed, 0), COALESCE(removed, 0), COALESCE(followed_up, 0)
    FROM submissions WHERE id IN (
        SELECT MAX(id) FROM submissions WHERE superseded_by IS NULL AND kind IN ('pipeline', 'screening')
        GROUP BY kind, unit_id, ym_from, ym_to);
