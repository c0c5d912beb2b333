"""The update inbox: every update a channel hands over is stored before it is confirmed.

A redelivered update is a no-op insert; rows are processed in arrival order and marked done after
their effects are committed, so every update is handled exactly once across crashes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database
from storage.timefmt import to_db

LEASE_SECONDS = 60


async def store(
    db: Database,
    channel: str,
    updates: Iterable[tuple[str, dict[str, Any]]],
    now: datetime,
    worker: str | None = None,
) -> int:
    """Insert (update_id, payload) pairs in one transaction; return how many were new. With `worker`, the new rows
    are claimed by it in the same transaction (so processing them needs no claim of its own)."""
    new = 0
    async with db.transaction():
        for update_id, payload in updates:
            new += await db.rowcount(
                "INSERT OR IGNORE INTO inbox(channel, update_id, payload, received_at, claimed_by, claimed_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    channel,
                    str(update_id),
                    json.dumps(payload, ensure_ascii=False),
                    to_db(now),
                    worker,
                    to_db(now) if worker else None,
                ),
            )
    return new


async def pending_claims(
    db: Database, channel: str, limit: int = 100
) -> list[tuple[str, dict[str, Any], str | None, str | None]]:
    """Unprocessed rows in arrival order: (update_id, payload, claimed_by, claimed_at)."""
    rows = await db.fetchall(
        "SELECT update_id, payload, claimed_by, claimed_at FROM inbox WHERE channel = ? AND processed_at IS NULL"
        " ORDER BY rowid LIMIT ?",
        (channel, limit),
    )
    return [(r[0], json.loads(r[1]), r[2], r[3]) for r in rows]


def holds(claimed_by: str | None, claimed_at: str | None, worker: str, now: datetime) -> bool:
    """The row is claimed by `worker` with at least half its lease left: no other process can take it before it is
    done, so it can be processed without claiming it again."""
    fresh = to_db(now - timedelta(seconds=LEASE_SECONDS / 2))
    return claimed_by == worker and claimed_at is not None and claimed_at >= fresh


async def mark_done_many(db: Database, channel: str, done: list[tuple[str, str | None]], now: datetime) -> None:
    """Mark several rows (update_id, error) processed, in one transaction."""
    async with db.transaction():
        for update_id, error in done:
            await db.execute(
                "UPDATE inbox SET processed_at = ?, attempts = attempts + 1, error = ? WHERE channel = ?"
                " AND update_id = ?",
                (to_db(now), error, channel, str(update_id)),
            )


async def pending(db: Database, channel: str, limit: int = 100) -> list[tuple[str, dict[str, Any]]]:
    rows = await db.fetchall(
        "SELECT update_id, payload FROM inbox WHERE channel = ? AND processed_at IS NULL ORDER BY rowid LIMIT ?",
        (channel, limit),
    )
    return [(r["update_id"], json.loads(r["payload"])) for r in rows]


async def claimed_by_others(db: Database, channel: str, worker: str) -> set[str]:
    rows = await db.fetchall(
        "SELECT DISTINCT claimed_by FROM inbox WHERE channel = ? AND processed_at IS NULL AND claimed_by IS NOT NULL"
        " AND claimed_by != ?",
        (channel, worker),
    )
    return {r[0] for r in rows}


async def release(db: Database, channel: str, worker: str) -> None:
    """Free the unprocessed rows a (dead) worker had claimed."""
    async with db.transaction():
        await db.execute(
            "UPDATE inbox SET claimed_by = NULL, claimed_at = NULL WHERE channel = ? AND claimed_by = ?"
            " AND processed_at IS NULL",
            (channel, worker),
        )


async def claim(
    db: Database, channel: str, update_id: str, worker: str, now: datetime, lease_seconds: int = LEASE_SECONDS
) -> bool:
    """Take an unprocessed row for this worker; False when it is done or another live worker holds it."""
    stale = to_db(now - timedelta(seconds=lease_seconds))
    async with db.transaction():
        changed = await db.rowcount(
            "UPDATE inbox SET claimed_by = ?, claimed_at = ? WHERE channel = ? AND update_id = ?"
            " AND processed_at IS NULL AND (claimed_by IS NULL OR claimed_by = ? OR claimed_at < ?)",
            (worker, to_db(now), channel, str(update_id), worker, stale),
        )
    return changed == 1


async def is_done(db: Database, channel: str, update_id: str) -> bool:
    row = await db.fetchone(
        "SELECT processed_at FROM inbox WHERE channel = ? AND update_id = ?", (channel, str(update_id))
    )
    return bool(row and row[0])


async def max_update_id(db: Database, channel: str) -> int:
    value = await db.scalar("SELECT MAX(CAST(update_id AS INTEGER)) FROM inbox WHERE channel = ?", (channel,))
    return int(value or 0)
