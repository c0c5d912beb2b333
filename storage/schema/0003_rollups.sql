-- Rolled-up sums, kept by triggers, so that a progress answer for a province root reads a few hundred rows
-- instead of summing every event.
--
-- unit_closure: every (ancestor, unit) pair, the unit itself included at depth 0. A merged unit gets the unit
-- it was merged into as an extra ancestor, so its history counts there.
-- rollups: per unit and reported period (ym_from, ym_to), the live events of the unit and all units below it.

CREATE TABLE unit_closure (
    ancestor_id  INTEGER NOT NULL REFERENCES units(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    depth        INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX ix_closure_unit ON unit_closure(unit_id, ancestor_id);

CREATE TRIGGER units_closure_insert AFTER INSERT ON units
BEGIN
    INSERT INTO unit_closure(ancestor_id, unit_id, depth) VALUES (NEW.id, NEW.id, 0);
    INSERT INTO unit_closure(ancestor_id, unit_id, depth)
        SELECT ancestor_id, NEW.id, depth + 1 FROM unit_closure WHERE unit_id = NEW.parent_id;
END;

CREATE TABLE rollups (
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    ym_from          INTEGER NOT NULL,
    ym_to            INTEGER NOT NULL,
    events           INTEGER NOT NULL DEFAULT 0,  -- live events of any kind: "has reported"
    admitted         INTEGER NOT NULL DEFAULT 0,  -- admissions and adjustments only, below too
    female           INTEGER NOT NULL DEFAULT 0,
    ethnic_minority  INTEGER NOT NULL DEFAULT 0,
    religious        INTEGER NOT NULL DEFAULT 0,
    youth_union      INTEGER NOT NULL DEFAULT 0,
    student          INTEGER NOT NULL DEFAULT 0,
    private_sector   INTEGER NOT NULL DEFAULT 0,
    university       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, ym_from, ym_to)
) WITHOUT ROWID;
CREATE INDEX ix_rollups_period ON rollups(ym_from, ym_to, unit_id, events);

CREATE TRIGGER submissions_rollup_insert AFTER INSERT ON submissions
WHEN NEW.superseded_by IS NULL
BEGIN
    INSERT INTO rollups(unit_id, ym_from, ym_to, events, admitted, female, ethnic_minority, religious, youth_union,
                        student, private_sector, university)
        SELECT c.ancestor_id, NEW.ym_from, NEW.ym_to, 1,
               a * NEW.admitted, a * NEW.female, a * NEW.ethnic_minority, a * NEW.religious, a * NEW.youth_union,
               a * NEW.student, a * NEW.private_sector, a * NEW.university
        FROM unit_closure c, (SELECT NEW.kind IN ('admission', 'adjustment') AS a)
        WHERE c.unit_id = NEW.unit_id
    ON CONFLICT(unit_id, ym_from, ym_to) DO UPDATE SET
        events = events + excluded.events, admitted = admitted + excluded.admitted,
        female = female + excluded.female, ethnic_minority = ethnic_minority + excluded.ethnic_minority,
        religious = religious + excluded.religious, youth_union = youth_union + excluded.youth_union,
        student = student + excluded.student, private_sector = private_sector + excluded.private_sector,
        university = university + excluded.university;
END;

CREATE TRIGGER submissions_rollup_supersede AFTER UPDATE OF superseded_by ON submissions
WHEN OLD.superseded_by IS NULL AND NEW.superseded_by IS NOT NULL
BEGIN
    UPDATE rollups SET
        events = events - 1,
        admitted = admitted - a.f * OLD.admitted, female = female - a.f * OLD.female,
        ethnic_minority = ethnic_minority - a.f * OLD.ethnic_minority, religious = religious - a.f * OLD.religious,
        youth_union = youth_union - a.f * OLD.youth_union, student = student - a.f * OLD.student,
        private_sector = private_sector - a.f * OLD.private_sector, university = university - a.f * OLD.university
    FROM (SELECT OLD.kind IN ('admission', 'adjustment') AS f) AS a
    WHERE ym_from = OLD.ym_from AND ym_to = OLD.ym_to
      AND unit_id IN (SELECT ancestor_id FROM unit_closure WHERE unit_id = OLD.unit_id);
END;

-- Backfill for databases that already hold units and events.
INSERT INTO unit_closure(ancestor_id, unit_id, depth)
    WITH RECURSIVE up(unit_id, ancestor_id, depth) AS (
        SELECT id, id, 0 FROM units
        UNION ALL
        SELECT up.unit_id, u.parent_id, up.depth + 1 FROM up JOIN units u ON u.id = up.ancestor_id
        WHERE u.parent_id IS NOT NULL
    )
    SELECT ancestor_id, unit_id, depth FROM up;

INSERT INTO rollups(unit_id, ym_from, ym_to, events, admitted, female, ethnic_minority, religious, youth_union,
                    student, private_sector, university)
    SELECT c.ancestor_id, s.ym_from, s.ym_to, COUNT(*),
           SUM(a * s.admitted), SUM(a * s.female), SUM(a * s.ethnic_minority), SUM(a * s.religious),
           SUM(a * s.youth_union), SUM(a * s.student), SUM(a * s.private_sector), SUM(a * s.university)
    FROM (SELECT *, kind IN ('admission', 'adjustment') AS a FROM submissions WHERE superseded_by IS NULL) s
    JOIN unit_closure c ON c.unit_id = s.unit_id
    GROUP BY c.ancestor_id, s.ym_from, s.ym_to;
