-- Terms run from congress to congress (issue 17 §1). Each committee records its terms; a term's period runs
-- from the month of its congress to the month before the next congress, and its pace over its real length.
CREATE TABLE terms (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    start_year  INTEGER NOT NULL,                -- the years in its name: "nhiệm kỳ 2020–2025"
    end_year    INTEGER NOT NULL,
    start_date  TEXT NOT NULL,                   -- the congress that opened it, "2020-07-01"
    end_date    TEXT,                            -- the next congress (not part of this term); NULL while running
    CHECK (end_year > start_year),
    CHECK (end_date IS NULL OR end_date > start_date),
    UNIQUE (unit_id, start_year)
);

-- Existing databases: every top committee gets the two terms around the 2025 re-organisation. The real
-- congress dates are not known here; the defaults are 1 July (the middle of the congress season: communes and
-- blocks from mid-2025, provinces Sept–Oct 2025), the same as `bot.periods.DEFAULT_CONGRESS_MONTH`:
--   nhiệm kỳ 2020–2025: 2020-07-01 → 2025-07-01 (so 2025 counts up to the congress),
--   nhiệm kỳ 2025–2030: 2025-07-01 → (running).
-- A committee's real dates are recorded with storage.terms.record (no chat or CLI command yet).
INSERT INTO terms (unit_id, start_year, end_year, start_date, end_date)
SELECT id, 2020, 2025, '2020-07-01', '2025-07-01' FROM units WHERE parent_id IS NULL;
INSERT INTO terms (unit_id, start_year, end_year, start_date, end_date)
SELECT id, 2025, 2030, '2025-07-01', NULL FROM units WHERE parent_id IS NULL;

-- Term targets belong to a term.
ALTER TABLE targets ADD COLUMN term_id INTEGER REFERENCES terms(id);
UPDATE targets SET term_id = (
    SELECT t.id FROM terms t
      JOIN unit_closure c ON c.ancestor_id = t.unit_id AND c.unit_id = targets.unit_id
     WHERE t.start_year = targets.start_year
     ORDER BY c.depth LIMIT 1)
 WHERE scope = 'term';
