-- Delivery state: a failed send is not a refusal. A person is "unreachable" only after repeated failures over
-- time (or a channel's explicit refusal, e.g. Telegram's "bot was blocked by the user"); they stay registered
-- and active, a new message from them clears it, and officials see and clear it in /nguoidung.
ALTER TABLE users ADD COLUMN send_failures INTEGER NOT NULL DEFAULT 0;   -- failed sends in a row
ALTER TABLE users ADD COLUMN send_failed_since TEXT;                     -- the first of them
ALTER TABLE users ADD COLUMN send_retry_at TEXT;                         -- no scheduled send before this
ALTER TABLE users ADD COLUMN unreachable_at TEXT;

-- Until now one 403 set active = 0 and blocked_at: such people become active and unreachable instead, unless
-- an official deactivated them on purpose.
UPDATE users SET unreachable_at = blocked_at, active = 1
 WHERE blocked_at IS NOT NULL AND active = 0
   AND NOT EXISTS (SELECT 1 FROM audit a WHERE a.entity = 'user' AND a.entity_id = CAST(users.id AS TEXT)
                   AND a.action = 'user.deactivate');
UPDATE users SET unreachable_at = blocked_at WHERE blocked_at IS NOT NULL AND unreachable_at IS NULL;
UPDATE users SET blocked_at = NULL;

-- A channel that answered "quota exceeded" (Zalo 429) this month: the quota counts as used up until the end of
-- the month or until a send goes through again.
ALTER TABLE channel_usage ADD COLUMN refused_at TEXT;
