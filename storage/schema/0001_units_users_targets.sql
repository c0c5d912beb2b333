-- The unit tree, people and their chat identities, invites and targets.
-- Times are ISO-8601 UTC text; display converts to the configured time zone.

CREATE TABLE units (
    id           INTEGER PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,                 -- full name with diacritics: "Đảng bộ xã Bắc Phong"
    short_name   TEXT NOT NULL,                 -- "Bắc Phong"
    search_name  TEXT NOT NULL,                 -- folded: "dang bo xa bac phong"
    kind         TEXT NOT NULL CHECK (kind IN ('tinh', 'huyen', 'co_so', 'chi_bo')),
    category     TEXT,                          -- xa_thi_tran, llvt, hanh_chinh, su_nghiep, doanh_nghiep
    parent_id    INTEGER REFERENCES units(id),
    sort_order   INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,
    merged_into  INTEGER REFERENCES units(id),
    valid_from   TEXT,
    valid_to     TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX ix_units_parent ON units(parent_id);
CREATE INDEX ix_units_search ON units(search_name);

CREATE TABLE unit_aliases (
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    alias        TEXT NOT NULL,
    search_alias TEXT NOT NULL,
    PRIMARY KEY (unit_id, search_alias)
);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    login       TEXT UNIQUE,                    -- short handle for the console and the command line
    title       TEXT,                           -- "Bí thư Chi bộ", "Trưởng Ban Tổ chức"
    role        TEXT NOT NULL CHECK (role IN ('official', 'reporter')),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    phone       TEXT,
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);
CREATE INDEX ix_users_unit ON users(unit_id);

CREATE TABLE identities (
    channel      TEXT NOT NULL,                 -- telegram, zalo, console
    external_id  TEXT NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    chat_id      TEXT,
    username     TEXT,
    display_name TEXT,
    linked_at    TEXT NOT NULL,
    PRIMARY KEY (channel, external_id)
);
CREATE INDEX ix_identities_user ON identities(user_id);

CREATE TABLE invites (
    code        TEXT PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    role        TEXT NOT NULL CHECK (role IN ('official', 'reporter')),
    name        TEXT,
    created_by  INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER REFERENCES users(id),
    used_at     TEXT
);

CREATE TABLE targets (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    scope        TEXT NOT NULL CHECK (scope IN ('year', 'term')),
    start_year   INTEGER NOT NULL,
    end_year     INTEGER NOT NULL,              -- = start_year for a year; 2025 for term 2020-2025
    value        INTEGER NOT NULL CHECK (value >= 0),
    quarter_plan TEXT,                          -- JSON [q1, q2, q3, q4] shares, NULL = linear
    set_by       INTEGER REFERENCES users(id),
    set_at       TEXT NOT NULL,
    UNIQUE (unit_id, scope, start_year)
);
CREATE INDEX ix_targets_scope ON targets(scope, start_year);
