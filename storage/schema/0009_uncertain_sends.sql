-- A send that timed out after the request went out may have arrived: it is logged "uncertain" and never repeated
-- (a lost reminder is preferred to a repeated one). SQLite cannot change a CHECK constraint, so the table is
-- rebuilt with the new status allowed; nothing references reminder_log.
CREATE TABLE reminder_log_new (
    id           INTEGER PRIMARY KEY,
    recipient    TEXT NOT NULL,                 -- "user:<id>" or "chat:<channel>:<chat id>"
    user_id      INTEGER REFERENCES users(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    kind         TEXT NOT NULL,                 -- remind, escalate, digest, quota, cap
    period_key   TEXT NOT NULL,                 -- "Q2026-3:d5", "Q2026-3", "W2026-47"
    status       TEXT NOT NULL
                 CHECK (status IN ('sending', 'sent', 'uncertain', 'blocked', 'failed', 'missed')),
    attempts     INTEGER NOT NULL DEFAULT 1,
    detail       TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    UNIQUE (recipient, unit_id, kind, period_key)
);
INSERT INTO reminder_log_new(id, recipient, user_id, unit_id, kind, period_key, status, attempts, detail,
                             created_at, sent_at)
SELECT id, recipient, user_id, unit_id, kind, period_key, status, attempts, detail, created_at, sent_at
  FROM reminder_log;
DROP TABLE reminder_log;
ALTER TABLE reminder_log_new RENAME TO reminder_log;
CREATE INDEX ix_reminder_log_status ON reminder_log(status);
