-- Reminders, escalations and digests: what was sent to whom, once; scheduler runs; linked group chats.

CREATE TABLE reminder_log (
    id           INTEGER PRIMARY KEY,
    recipient    TEXT NOT NULL,                 -- "user:<id>" or "chat:<channel>:<chat id>"
    user_id      INTEGER REFERENCES users(id),
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    kind         TEXT NOT NULL,                 -- remind, escalate, digest
    period_key   TEXT NOT NULL,                 -- "Q2026-3:d5", "Q2026-3", "W2026-47"
    status       TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'blocked', 'failed', 'missed')),
    attempts     INTEGER NOT NULL DEFAULT 1,
    detail       TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    UNIQUE (recipient, unit_id, kind, period_key)
);
CREATE INDEX ix_reminder_log_status ON reminder_log(status);

CREATE TABLE scheduler_runs (
    id            INTEGER PRIMARY KEY,
    job           TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    outcome       TEXT,
    UNIQUE (job, scheduled_for)
);

CREATE TABLE digest_chats (
    channel    TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    unit_id    INTEGER NOT NULL REFERENCES units(id),
    linked_by  INTEGER REFERENCES users(id),
    linked_at  TEXT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

ALTER TABLE users ADD COLUMN blocked_at TEXT;  -- the person blocked the bot (403); set inactive too
