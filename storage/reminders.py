"""The reminder log (every send happens once), scheduler runs, linked group chats and the calendar setting."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database
from storage.timefmt import from_db, to_db

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


async def release(db: Database, log_id: int) -> None:
    """Undo a claim whose send was never made (held by a quota): a later run may claim it again."""
    async with db.transaction():
        await db.execute("DELETE FROM reminder_log WHERE id = ? AND status = 'sending'", (log_id,))


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
    """Sends already settled: a failed one with attempts left is not (it is retried once its back-off passed)."""
    rows = await db.fetchall(
        "SELECT recipient, unit_id, kind, period_key FROM reminder_log WHERE period_key LIKE ?"
        " AND NOT (status = 'failed' AND attempts < ?)",
        (period_prefix + "%", MAX_ATTEMPTS),
    )
    return {(r[0], r[1], r[2], r[3]) for r in rows}


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


FAILURES_BEFORE_UNREACHABLE = 3  # failed sends in a row ...
UNREACHABLE_AFTER = timedelta(days=2)  # ... spread over at least this long
RETRY_BASE = timedelta(hours=1)  # back-off after the n-th failure: 1 h, 2 h, 4 h ... at most a day
RETRY_MAX = timedelta(hours=24)


async def record_failure(db: Database, user_id: int, now: datetime, *, refused: bool = False) -> bool:
    """A send to this person failed (`refused`: the channel said outright that they cannot be reached). Backs
    their scheduled sends off; returns True when they count as unreachable now. They stay registered and active."""
    async with db.transaction():
        row = await db.fetchone(
            "SELECT send_failures, send_failed_since, unreachable_at FROM users WHERE id = ?", (user_id,)
        )
        if row is None:
            return False
        failures = int(row["send_failures"]) + 1
        since = from_db(row["send_failed_since"]) if row["send_failed_since"] else now
        retry = now + min(RETRY_BASE * 2 ** (failures - 1), RETRY_MAX)
        unreachable = row["unreachable_at"] or (
            to_db(now)
            if refused or (failures >= FAILURES_BEFORE_UNREACHABLE and now - since >= UNREACHABLE_AFTER)
            else None
        )
        await db.execute(
            "UPDATE users SET send_failures = ?, send_failed_since = ?, send_retry_at = ?, unreachable_at = ?"
            " WHERE id = ?",
            (failures, to_db(since), to_db(retry), unreachable, user_id),
        )
    return unreachable is not None


async def record_success(db: Database, user_id: int) -> None:
    """A send went through: forget earlier failures."""
    await db.execute(
        "UPDATE users SET send_failures = 0, send_failed_since = NULL, send_retry_at = NULL, unreachable_at = NULL"
        " WHERE id = ? AND (send_failures > 0 OR unreachable_at IS NOT NULL)",
        (user_id,),
    )


async def clear_unreachable(db: Database, user_id: int) -> bool:
    """The person wrote to the bot, or an official cleared the mark: deliver again. True if anything changed."""
    marked = await db.scalar(
        "SELECT 1 FROM users WHERE id = ? AND (send_failures > 0 OR unreachable_at IS NOT NULL)", (user_id,)
    )
    if not marked:
        return False  # the usual case: a read, no write
    async with db.transaction():
        changed = await db.rowcount(
            "UPDATE users SET send_failures = 0, send_failed_since = NULL, send_retry_at = NULL,"
            " unreachable_at = NULL WHERE id = ? AND (send_failures > 0 OR unreachable_at IS NOT NULL)",
            (user_id,),
        )
    return changed > 0


async def delivery_holds(db: Database, now: datetime) -> tuple[set[int], set[int]]:
    """(people marked unreachable, people inside a back-off window): scheduled sends skip both."""
    rows = await db.fetchall(
        "SELECT id, unreachable_at, send_retry_at FROM users WHERE unreachable_at IS NOT NULL"
        " OR (send_retry_at IS NOT NULL AND send_retry_at > ?)",
        (to_db(now),),
    )
    unreachable = {r[0] for r in rows if r[1]}
    return unreachable, {r[0] for r in rows if not r[1]}


async def unreachable_users(db: Database) -> list[tuple[int, str, int, datetime]]:
    """(id, name, unit id, since) of active people the bot cannot reach."""
    rows = await db.fetchall(
        "SELECT id, name, unit_id, unreachable_at FROM users WHERE unreachable_at IS NOT NULL AND active = 1"
        " ORDER BY id"
    )
    return [(r[0], r[1], r[2], from_db(r[3])) for r in rows]
