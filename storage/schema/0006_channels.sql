-- A second channel (Zalo): link codes for existing users, numbered menus for channels without buttons,
-- expiring file links for channels without uploads, and each channel's monthly count of sent messages.

-- An invite with link_user_id attaches the chat identity that uses it to that existing user (one person on
-- Telegram and on Zalo) instead of registering a new one.
ALTER TABLE invites ADD COLUMN link_user_id INTEGER REFERENCES users(id);

-- The choices last offered in a chat without buttons, answered by typing their number.
CREATE TABLE choice_menus (
    channel     TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    choices     TEXT NOT NULL,                  -- JSON [[label, data], ...] in the order shown (1, 2, 3...)
    offered_at  TEXT NOT NULL,
    PRIMARY KEY (channel, chat_id)
);

-- Charts and Excel files handed out as unguessable, expiring links (served by the bot's own web server).
CREATE TABLE file_links (
    token       TEXT PRIMARY KEY,               -- secrets.token_urlsafe(24): 192 random bits
    filename    TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('photo', 'document')),
    content     BLOB NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    downloads   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_file_links_expiry ON file_links(expires_at);

-- Messages sent per channel and calendar month (Vietnam time), against plans with a monthly quota.
CREATE TABLE channel_usage (
    channel     TEXT NOT NULL,
    month       TEXT NOT NULL,                  -- "2026-11"
    sent        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, month)
);
