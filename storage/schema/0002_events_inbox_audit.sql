-- Submissions are an append-only event log; pending previews, the update inbox, settings and audit.

CREATE TABLE submissions (
    id               INTEGER PRIMARY KEY,
    unit_id          INTEGER NOT NULL REFERENCES units(id),
    kind             TEXT NOT NULL CHECK (kind IN ('admission', 'adjustment', 'pipeline', 'screening')),
    period_kind      TEXT NOT NULL CHECK (period_kind IN ('month', 'quarter', 'half', 'year')),
    year             INTEGER NOT NULL,
    ym_from          INTEGER NOT NULL,          -- yyyymm, first month of the period reported
    ym_to            INTEGER NOT NULL,          -- yyyymm, last month
    admitted         INTEGER NOT NULL DEFAULT 0,
    female           INTEGER NOT NULL DEFAULT 0,
    ethnic_minority  INTEGER NOT NULL DEFAULT 0,
    religious        INTEGER NOT NULL DEFAULT 0,
    youth_union      INTEGER NOT NULL DEFAULT 0,
    student          INTEGER NOT NULL DEFAULT 0,
    private_sector   INTEGER NOT NULL DEFAULT 0,
    university       INTEGER NOT NULL DEFAULT 0,
    pool             INTEGER,                   -- pipeline snapshot: nguồn
    certified        INTEGER,                   -- đã học lớp nhận thức về Đảng
    planned_class    INTEGER,                   -- dự kiến cử đi học
    reviewed         INTEGER,                   -- screening snapshot: rà soát
    removed          INTEGER,                   -- đưa ra khỏi Đảng
    followed_up      INTEGER,                   -- tiếp tục theo dõi, giúp đỡ
    supersedes       INTEGER REFERENCES submissions(id),
    superseded_by    INTEGER REFERENCES submissions(id),
    actor_user_id    INTEGER REFERENCES users(id),
    channel          TEXT NOT NULL,
    source_update    TEXT,
    raw_text         TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL
);
-- Progress answers sum live events over a month range for many units: a covering index, so the sums
-- never touch the table (queries name it with INDEXED BY).
CREATE INDEX ix_submissions_live ON submissions(
    ym_from, ym_to, kind, unit_id, admitted, female, ethnic_minority, religious, youth_union, student,
    private_sector, university, superseded_by  -- always NULL here, but SQLite needs it to call this covering
) WHERE superseded_by IS NULL;
CREATE INDEX ix_submissions_unit ON submissions(unit_id, id);

CREATE TRIGGER submissions_append_only
BEFORE UPDATE OF id, unit_id, kind, period_kind, year, ym_from, ym_to, admitted, female, ethnic_minority,
    religious, youth_union, student, private_sector, university, pool, certified, planned_class,
    reviewed, removed, followed_up, supersedes, actor_user_id, channel, source_update, raw_text, created_at
ON submissions
BEGIN
    SELECT RAISE(ABORT, 'submissions are append-only');
END;

CREATE TRIGGER submissions_supersede_once
BEFORE UPDATE OF superseded_by ON submissions
WHEN OLD.superseded_by IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'a submission is superseded only once');
END;

CREATE TRIGGER submissions_no_delete
BEFORE DELETE ON submissions
BEGIN
    SELECT RAISE(ABORT, 'submissions are append-only');
END;

CREATE TABLE pending (
    id                 INTEGER PRIMARY KEY,
    token              TEXT NOT NULL UNIQUE,    -- short id carried in callback data
    user_id            INTEGER NOT NULL REFERENCES users(id),
    channel            TEXT NOT NULL,
    chat_id            TEXT NOT NULL,
    action             TEXT NOT NULL,           -- submit, correct, adjust, ...
    payload            TEXT NOT NULL,           -- JSON of the validated draft
    status             TEXT NOT NULL DEFAULT 'open'
                       CHECK (status IN ('open', 'confirmed', 'cancelled', 'expired', 'replaced')),
    source_update      TEXT UNIQUE,
    source_message     TEXT,
    created_at         TEXT NOT NULL,
    expires_at         TEXT NOT NULL,
    resolved_at        TEXT,
    result_id          INTEGER
);
CREATE INDEX ix_pending_open ON pending(user_id) WHERE status = 'open';

CREATE TABLE inbox (
    channel       TEXT NOT NULL,
    update_id     TEXT NOT NULL,
    payload       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    processed_at  TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    PRIMARY KEY (channel, update_id)
);
CREATE INDEX ix_inbox_todo ON inbox(channel) WHERE processed_at IS NULL;

CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,                  -- JSON
    updated_at  TEXT NOT NULL,
    updated_by  INTEGER REFERENCES users(id)
);

CREATE TABLE audit (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL,
    actor_user_id  INTEGER REFERENCES users(id),
    action         TEXT NOT NULL,
    entity         TEXT NOT NULL,
    entity_id      TEXT,
    before         TEXT,
    after          TEXT
);
CREATE INDEX ix_audit_entity ON audit(entity, entity_id);
