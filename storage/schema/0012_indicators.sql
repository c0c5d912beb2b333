-- Indicators (chỉ tiêu cơ cấu) are data (issue 17 §3): the breakdowns a report, a question, the Excel, the charts,
-- the import and the .docx report count. One list per database (the province that runs the bot); officials of a
-- top unit add and rename them (/tieuchi, `ptdv indicator`).
--
-- Stored values:
--   * the seven breakdowns the bot had before keep their columns in `submissions` and `rollups` (`column_backed`),
--     so every stored report migrates unchanged and keeps its meaning;
--   * every other indicator's value is stored in `submissions.extra`, a JSON object keyed by indicator code
--     ({"farmer": 1, "master": 1}); only non-zero values are written. `rollup_extra` keeps their rolled-up sums
--     the way `rollups` keeps the columns' (same triggers, same rule).
-- "university" keeps its meaning, "trình độ đại học trở lên"; thạc sĩ and tiến sĩ are counted within it
-- (part_of = 'university'): the annex shows "ĐH trở lên", "trong đó ThS", "trong đó TS".
CREATE TABLE indicators (
    code           TEXT PRIMARY KEY,             -- "farmer"; the key in submissions.extra
    name           TEXT NOT NULL,                -- "nông dân" (with diacritics; shown in replies and files)
    short_name     TEXT NOT NULL,                -- "Nông dân": table headers
    aliases        TEXT NOT NULL DEFAULT '[]',   -- JSON list of other ways of writing it (former names included)
    grp            TEXT NOT NULL DEFAULT 'khac', -- doi_tuong | tuoi | nghe_nghiep | trinh_do | khac
    part_of        TEXT,                         -- counted within another indicator (thạc sĩ within ĐH trở lên)
    required       INTEGER NOT NULL DEFAULT 0,   -- 1: always a column of the annex, the Excel and the template
    sort_order     INTEGER NOT NULL DEFAULT 0,
    builtin        INTEGER NOT NULL DEFAULT 0,   -- 1: shipped with the bot (renamable, never removed)
    column_backed  INTEGER NOT NULL DEFAULT 0    -- 1: stored in its own column of submissions/rollups
);

INSERT INTO indicators (code, name, short_name, aliases, grp, part_of, required, sort_order, builtin, column_backed)
VALUES
    ('female', 'nữ', 'Nữ', '["đảng viên nữ", "phụ nữ"]', 'doi_tuong', NULL, 1, 10, 1, 1),
    ('ethnic_minority', 'dân tộc thiểu số', 'DTTS', '["người dân tộc thiểu số", "dtts"]', 'doi_tuong', NULL, 1, 20, 1, 1),
    ('religious', 'tôn giáo', 'Tôn giáo', '["theo tôn giáo", "có đạo"]', 'doi_tuong', NULL, 1, 30, 1, 1),
    ('youth_union', 'đoàn viên thanh niên', 'ĐVTN', '["đoàn viên", "dvtn"]', 'doi_tuong', NULL, 1, 40, 1, 1),
    ('age_18_30', 'tuổi đời từ 18 đến 30', '18–30 tuổi',
     '["từ 18 đến 30 tuổi", "18-30 tuổi", "18 - 30 tuổi", "18 đến 30 tuổi", "độ tuổi 18-30", "tuổi 18-30", "dưới 30 tuổi", "tuổi đời dưới 30"]',
     'tuoi', NULL, 1, 50, 1, 0),
    ('worker', 'công nhân', 'Công nhân', '["công nhân"]', 'nghe_nghiep', NULL, 0, 60, 1, 0),
    ('farmer', 'nông dân', 'Nông dân', '["làm nông", "làm ruộng"]', 'nghe_nghiep', NULL, 0, 61, 1, 0),
    ('civil_servant', 'cán bộ, công chức, viên chức', 'CB, CC, VC',
     '["cán bộ công chức viên chức", "cán bộ, công chức", "công chức", "viên chức", "cbccvc"]', 'nghe_nghiep', NULL,
     0, 62, 1, 0),
    ('armed_forces', 'lực lượng vũ trang', 'LLVT', '["quân nhân"]', 'nghe_nghiep', NULL, 0, 63, 1, 0),
    ('private_owner', 'chủ doanh nghiệp tư nhân', 'Chủ DNTN', '["chủ doanh nghiệp", "chủ dntn"]', 'nghe_nghiep',
     NULL, 0, 64, 1, 0),
    ('student', 'học sinh, sinh viên', 'HS, SV', '["học sinh", "sinh viên", "hssv"]', 'nghe_nghiep', NULL, 1, 65, 1, 1),
    ('other_worker', 'người lao động khác', 'LĐ khác', '["lao động khác", "lao động tự do"]', 'nghe_nghiep', NULL,
     0, 66, 1, 0),
    ('private_sector', 'doanh nghiệp ngoài nhà nước', 'DN ngoài NN', '["doanh nghiệp tư nhân", "ngoài nhà nước"]',
     'khac', NULL, 1, 70, 1, 1),
    ('university', 'trình độ đại học trở lên', 'ĐH trở lên', '["đại học trở lên", "đại học"]', 'trinh_do', NULL, 1,
     80, 1, 1),
    ('master', 'thạc sĩ', 'ThS', '["thạc sỹ", "ths"]', 'trinh_do', 'university', 0, 81, 1, 0),
    ('doctorate', 'tiến sĩ', 'TS', '["tiến sỹ"]', 'trinh_do', 'university', 0, 82, 1, 0),
    ('readmitted', 'kết nạp lại', 'KN lại', '["kết nạp lại"]', 'khac', NULL, 0, 90, 1, 0);

-- Values of the indicators without a column. The append-only trigger is re-created to cover the new column.
ALTER TABLE submissions ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';

DROP TRIGGER submissions_append_only;
CREATE TRIGGER submissions_append_only
BEFORE UPDATE OF id, unit_id, kind, period_kind, year, ym_from, ym_to, admitted, female, ethnic_minority,
    religious, youth_union, student, private_sector, university, pool, certified, planned_class,
    reviewed, removed, followed_up, supersedes, actor_user_id, channel, source_update, raw_text, created_at, extra
ON submissions
BEGIN
    SELECT RAISE(ABORT, 'submissions are append-only');
END;

CREATE TABLE rollup_extra (
    unit_id  INTEGER NOT NULL REFERENCES units(id),
    ym_from  INTEGER NOT NULL,
    ym_to    INTEGER NOT NULL,
    code     TEXT NOT NULL,
    value    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, ym_from, ym_to, code)
) WITHOUT ROWID;
CREATE INDEX ix_rollup_extra_period ON rollup_extra(ym_from, ym_to, unit_id);

CREATE TRIGGER submissions_rollup_extra_insert AFTER INSERT ON submissions
WHEN NEW.superseded_by IS NULL AND NEW.kind IN ('admission', 'adjustment') AND NEW.extra <> '{}'
BEGIN
    INSERT INTO rollup_extra(unit_id, ym_from, ym_to, code, value)
        SELECT c.ancestor_id, NEW.ym_from, NEW.ym_to, j.key, j.value
        FROM unit_closure c, json_each(NEW.extra) j
        WHERE c.unit_id = NEW.unit_id
    ON CONFLICT(unit_id, ym_from, ym_to, code) DO UPDATE SET value = value + excluded.value;
END;

CREATE TRIGGER submissions_rollup_extra_supersede AFTER UPDATE OF superseded_by ON submissions
WHEN OLD.superseded_by IS NULL AND NEW.superseded_by IS NOT NULL AND OLD.kind IN ('admission', 'adjustment')
     AND OLD.extra <> '{}'
BEGIN
    UPDATE rollup_extra SET value = value - (SELECT j.value FROM json_each(OLD.extra) j WHERE j.key = rollup_extra.code)
    WHERE ym_from = OLD.ym_from AND ym_to = OLD.ym_to
      AND code IN (SELECT key FROM json_each(OLD.extra))
      AND unit_id IN (SELECT ancestor_id FROM unit_closure WHERE unit_id = OLD.unit_id);
END;
