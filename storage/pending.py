"""Pending previews: a validated draft waiting for "Xác nhận". Survives restarts; expires."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.domain.payloads import Action, Payload, Status, Unreadable, dump, parse
from storage.codes import typeable_token
from storage.db import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class Pending:
    id: int
    token: str
    user_id: int
    action: str  # an `Action` (kept as read: a row of an action this version does not know stays loadable)
    payload: Payload | Unreadable
    status: Status
    expires_at: datetime
    source_message: str | None
    result_id: int | None
    channel: str = ""
    chat_id: str = ""


def _pending(row: sqlite3.Row) -> Pending:
    return Pending(
        id=row["id"],
        token=row["token"],
        user_id=row["user_id"],
        action=row["action"],
        payload=parse(row["action"], json.loads(row["payload"])),
        status=Status(row["status"]),
        expires_at=from_db(row["expires_at"]),
        source_message=row["source_message"],
        result_id=row["result_id"],
        channel=row["channel"],
        chat_id=row["chat_id"],
    )


async def create(
    db: Database,
    *,
    user_id: int,
    channel: str,
    chat_id: str,
    payload: Payload,
    now: datetime,
    expires_at: datetime,
    source_update: str | None,
    source_message: str | None,
) -> Pending:
    """Open a pending preview, replacing the user's other open ones. Idempotent by source update."""
    if source_update is not None:
        existing = await db.fetchone("SELECT * FROM pending WHERE source_update = ?", (source_update,))
        if existing is not None:
            return _pending(existing)
    await db.execute(
        "UPDATE pending SET status = 'replaced', resolved_at = ? WHERE user_id = ? AND status = 'open'",
        (to_db(now), user_id),
    )
    token = typeable_token(6)
    await db.execute(
        "INSERT INTO pending(token, user_id, channel, chat_id, action, payload, source_update, source_message,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            token,
            user_id,
            channel,
            chat_id,
            payload.action.value,
            json.dumps(dump(payload), ensure_ascii=False),
            source_update,
            source_message,
            to_db(now),
            to_db(expires_at),
        ),
    )
    row = await db.fetchone("SELECT * FROM pending WHERE token = ?", (token,))
    assert row is not None
    return _pending(row)


async def by_token(db: Database, token: str) -> Pending | None:
    row = await db.fetchone("SELECT * FROM pending WHERE token = ?", (token,))
    return _pending(row) if row else None


async def latest_open(db: Database, user_id: int) -> Pending | None:
    row = await db.fetchone(
        "SELECT * FROM pending WHERE user_id = ? AND status = 'open' ORDER BY id DESC LIMIT 1", (user_id,)
    )
    return _pending(row) if row else None


async def open_for_message(db: Database, user_id: int, message_id: str) -> Pending | None:
    row = await db.fetchone(
        "SELECT * FROM pending WHERE user_id = ? AND source_message = ? ORDER BY id DESC LIMIT 1",
        (user_id, message_id),
    )
    return _pending(row) if row else None


async def resolve(
    db: Database,
    pending_id: int,
    status: Status,
    now: datetime,
    result_id: int | None = None,
    resolved_by: str | None = None,
) -> bool:
    """Move an open pending to a final status; False when it was no longer open (a double tap)."""
    changed = await db.rowcount(
        "UPDATE pending SET status = ?, resolved_at = ?, result_id = ?, resolved_by = ?"
        " WHERE id = ? AND status = 'open'",
        (status.value, to_db(now), result_id, resolved_by, pending_id),
    )
    return changed == 1


async def resolved_by(db: Database, update_key: str) -> Pending | None:
    """The preview an update already confirmed or cancelled (a typed answer delivered twice)."""
    row = await db.fetchone("SELECT * FROM pending WHERE resolved_by = ? ORDER BY id DESC LIMIT 1", (update_key,))
    return _pending(row) if row else None


async def open_users(db: Database) -> set[int]:
    """Users with an open preview (reminders do not interrupt them)."""
    rows = await db.fetchall("SELECT DISTINCT user_id FROM pending WHERE status = 'open'")
    return {r[0] for r in rows}


async def has_open(db: Database, user_id: int, action: Action) -> bool:
    return (
        await db.scalar(
            "SELECT 1 FROM pending WHERE user_id = ? AND action = ? AND status = 'open' LIMIT 1",
            (user_id, action.value),
        )
        is not None
    )


async def close_open(
    db: Database, user_id: int, action: Action, now: datetime, status: Status = Status.REPLACED
) -> int:
    """End every open pending of one kind for a user (e.g. edit mode when anything else is said)."""
    return await db.rowcount(
        "UPDATE pending SET status = ?, resolved_at = ? WHERE user_id = ? AND action = ? AND status = 'open'",
        (status.value, to_db(now), user_id, action.value),
    )
