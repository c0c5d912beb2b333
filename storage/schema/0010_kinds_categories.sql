-- The organisation since 1 July 2025 (issue 17 §1): today's unit kinds, and khối as data each committee owns.

-- 1. Unit kinds. The CHECK on units.kind listed only the district-era set. SQLite cannot alter a CHECK and the
-- table cannot be rebuilt while other tables reference it with foreign keys on, so the constraint's text is
-- widened in place ("Making other kinds of table schema changes" in the SQLite ALTER TABLE documentation: a
-- looser CHECK does not change what is stored). The old values "tinh", "huyen", "co_so", "chi_bo" keep their
-- meaning (tỉnh ủy, huyện ủy before 2025, đảng bộ cơ sở, chi bộ trực thuộc) and stay valid. The CREATE TABLE
-- below bumps the schema cookie, so every open connection reloads the new constraint.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'CHECK (kind IN (''tinh'', ''huyen'', ''co_so'', ''chi_bo''))',
       'CHECK (kind IN (''tinh'', ''thanh_pho'', ''xa'', ''phuong'', ''dac_khu'', ''co_quan_dang'', ''ubnd_tinh'','
       || ' ''quan_su'', ''cong_an'', ''co_so'', ''chi_bo_co_so'', ''bo_phan'', ''chi_bo'', ''huyen''))')
 WHERE type = 'table' AND name = 'units';
PRAGMA writable_schema = RESET;

-- 2. Khối: each committee's own list; units.category holds a code from the list of the nearest committee at or
-- above the unit that has one.
CREATE TABLE categories (
    id            INTEGER PRIMARY KEY,
    committee_id  INTEGER NOT NULL REFERENCES units(id),
    code          TEXT NOT NULL,                 -- stored in units.category: "xa_thi_tran"
    label         TEXT NOT NULL,                 -- "Khối xã, phường"
    short_label   TEXT NOT NULL,                 -- "xã, phường"
    aliases       TEXT NOT NULL DEFAULT '[]',    -- JSON list of other names (former labels included)
    sort_order    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (committee_id, code)
);

-- Every top committee gets the list with today's labels; the 2021 labels become aliases, so nothing that
-- was written with them stops being understood.
CREATE TEMP TABLE default_categories (code TEXT, label TEXT, short_label TEXT, aliases TEXT, sort_order INTEGER);
INSERT INTO default_categories VALUES
    ('xa_thi_tran', 'Khối xã, phường', 'xã, phường',
     '["Đảng bộ xã, thị trấn", "xã, thị trấn", "xã, phường, đặc khu", "các xã", "cấp xã", "các đảng bộ xã", "xã và thị trấn", "các xã, thị trấn", "khối xã"]', 1),
    ('hanh_chinh', 'Khối cơ quan', 'cơ quan', '["Cơ quan hành chính", "hành chính", "khối hành chính"]', 2),
    ('su_nghiep', 'Khối đơn vị sự nghiệp', 'sự nghiệp', '["Đơn vị sự nghiệp", "sự nghiệp"]', 3),
    ('truong_hoc', 'Khối trường học', 'trường học', '["các trường học"]', 4),
    ('doanh_nghiep', 'Khối doanh nghiệp', 'doanh nghiệp', '["các doanh nghiệp", "chi bộ doanh nghiệp"]', 5),
    ('llvt', 'Khối lực lượng vũ trang', 'lực lượng vũ trang', '["Lực lượng vũ trang", "llvt"]', 6);
INSERT INTO categories (committee_id, code, label, short_label, aliases, sort_order)
SELECT u.id, d.code, d.label, d.short_label, d.aliases, d.sort_order
  FROM units u CROSS JOIN default_categories d
 WHERE u.parent_id IS NULL;
-- Codes in use that are not in the list (written by hand or by an old import) keep showing as they were stored.
INSERT OR IGNORE INTO categories (committee_id, code, label, short_label, aliases, sort_order)
SELECT DISTINCT c.ancestor_id, u.category, u.category, u.category, '[]', 100
  FROM units u
  JOIN unit_closure c ON c.unit_id = u.id
  JOIN units top ON top.id = c.ancestor_id AND top.parent_id IS NULL
 WHERE u.category IS NOT NULL AND u.category <> '';
DROP TABLE default_categories;
