"""The reminder log (every send happens once), scheduler runs, linked group chats and the calendar setting."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.db import Database
from storage.timefmt import to_db

CALENDAR_KEY = "calendar"


async def load_setting(db: Database, key: str) -> dict[str, Any] | None:
    row = await db.fetchone("SELECT value FROM settings WHERE key = ?", (key,))
    return json.loads(row[0]) if row else None


async def save_setting(db: Database, key: str, value: dict[str, Any], now: datetime, by: int | None) -> None:
    await db.execute(
        "INSERT INTO settings(key, value, updated_at, updated_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,"
        " updated_by = excluded.updated_by",
        (key, json.dumps(value, ensure_ascii=False, default=str), to_db(now), by),
    )


async def claim(
    db: Database, *, recipient: str, user_id: int | None, unit_id: int, kind: str, period_key: str, now: datetime
) -> int | None:
    """Reserve one send before making it; None when it was already claimed (sent, sending or given up)."""
    async with db.transaction():
        row = await db.fetchone(
            "SELECT id, status, attempts FROM reminder_log WHERE recipient = ? AND unit_id = ? AND kind = ?"
            " AND period_key = ?",
            (recipient, unit_id, kind, period_key),
        )
        if row is None:
            return await db.execute(
                "INSERT INTO reminder_log(recipient, user_id, unit_id, kind, period_key, status, created_at)"
                " VALUES (?, ?, ?, ?, ?, 'sending', ?)",
                (recipient, user_id, unit_id, kind, period_key, to_db(now)),
            )
        if row["status"] == "failed" and row["attempts"] < MAX_ATTEMPTS:
            await db.execute(
                "UPDATE reminder_log SET status = 'sending', attempts = attempts + 1 WHERE id = ?", (row["id"],)
            )
            return int(row["id"])
        return None


MAX_ATTEMPTS = 3


async def finish(db: Database, log_id: int, status: str, now: datetime, detail: str | None = None) -> None:
    async with db.transaction():
        await db.execute(
            "UPDATE reminder_log SET status = ?, sent_at = ?, detail = ? WHERE id = ?",
            (status, to_db(now) if status == "sent" else None, detail, log_id),
        )


async def mark_missed(
    db: Database, *, recipient: str, user_id: int | None, unit_id: int, kind: str, period_key: str, now: datetime
) -> bool:
    """Record a send that fell outside its grace window (skipped, logged); False if it existed."""
    async with db.transaction():
        changed = await db.rowcount(
            "INSERT OR IGNORE INTO reminder_log(recipient, user_id, unit_id, kind, period_key, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, 'missed', ?)",
            (recipient, user_id, unit_id, kind, period_key, to_db(now)),
        )
    return changed == 1


async def logged_keys(db: Database, period_prefix: str) -> set[tuple[str, int, str, str]]:
    rows = await db.fetchall(
        "SELECT recipient, unit_id, kind, period_key FROM reminder_log WHERE period_key LIKE ?", (period_prefix + "%",)
    )
    return {(r[0], r[1], r[2], r[3]) for r in rows}


async def log_rows(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetchall("SELECT * FROM reminder_log ORDER BY id")]


async def start_run(db: Database, job: str, scheduled_for: datetime, now: datetime) -> bool:
    """Record that a scheduled run starts; False when that run already happened (another process, a restart)."""
    async with db.transaction():
        changed = await db.rowcount(
            "INSERT OR IGNORE INTO scheduler_runs(job, scheduled_for, started_at) VALUES (?, ?, ?)",
            (job, to_db(scheduled_for), to_db(now)),
        )
    return changed == 1


async def finish_run(db: Database, job: str, scheduled_for: datetime, now: datetime, outcome: str) -> None:
    async with db.transaction():
        await db.execute(
            "UPDATE scheduler_runs SET finished_at = ?, outcome = ? WHERE job = ? AND scheduled_for = ?",
            (to_db(now), outcome, job, to_db(scheduled_for)),
        )


async def last_run(db: Database, job: str) -> datetime | None:
    value = await db.scalar("SELECT MAX(scheduled_for) FROM scheduler_runs WHERE job = ?", (job,))
    return datetime.fromisoformat(value) if value else None


async def link_chat(db: Database, channel: str, chat_id: str, unit_id: int, by: int, now: datetime) -> None:
    async with db.transaction():
        await db.execute(
            "INSERT INTO digest_chats(channel, chat_id, unit_id, linked_by, linked_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(channel, chat_id) DO UPDATE SET unit_id = excluded.unit_id,"
            " linked_by = excluded.linked_by, linked_at = excluded.linked_at",
            (channel, chat_id, unit_id, by, to_db(now)),
        )


async def linked_chats(db: Database) -> list[tuple[str, str, int]]:
    rows = await db.fetchall("SELECT channel, chat_id, unit_id FROM digest_chats ORDER BY linked_at")
    return [(r[0], r[1], r[2]) for r in rows]


async def mark_blocked(db: Database, user_id: int, now: datetime) -> None:
    async with db.transaction():
        await db.execute("UPDATE users SET active = 0, blocked_at = ? WHERE id = ?", (to_db(now), user_id))


async def blocked_users(db: Database) -> list[tuple[int, str, int]]:
    rows = await db.fetchall("SELECT id, name, unit_id FROM users WHERE blocked_at IS NOT NULL ORDER BY id")
    return [(r[0], r[1], r[2]) for r in rows]
