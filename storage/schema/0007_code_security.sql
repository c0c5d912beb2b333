-- Codes that grant identity or rights are bound to the chat app they are for, and redemption attempts are
-- rate-limited per sender (issue 14).

-- The channel an invite or link code may be used on ("telegram", "zalo"); NULL: any channel.
ALTER TABLE invites ADD COLUMN channel TEXT;

-- Failed attempts to use a code (unknown, used, expired, wrong channel), per chat identity; only the last
-- minutes matter, older rows are deleted as new ones come.
CREATE TABLE code_attempts (
    channel     TEXT NOT NULL,
    sender_id   TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX ix_code_attempts_sender ON code_attempts(channel, sender_id, at);
