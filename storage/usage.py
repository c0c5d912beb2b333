"""How many messages each channel sent in a calendar month (for plans with a monthly quota)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database
from storage.timefmt import to_db


async def add(db: Database, channel: str, month: str, count: int = 1) -> int:
    """Count `count` more sent messages; return the month's new total."""
    async with db.transaction():
        await db.execute(
            "INSERT INTO channel_usage(channel, month, sent) VALUES (?, ?, ?)"
            " ON CONFLICT(channel, month) DO UPDATE SET sent = sent + excluded.sent",
            (channel, month, count),
        )
        return int(await db.scalar("SELECT sent FROM channel_usage WHERE channel = ? AND month = ?", (channel, month)))


async def sent(db: Database, channel: str, month: str) -> int:
    value = await db.scalar("SELECT sent FROM channel_usage WHERE channel = ? AND month = ?", (channel, month))
    return int(value or 0)


async def refuse(db: Database, channel: str, month: str, now: datetime) -> None:
    """The channel answered "quota exceeded" this month: its quota counts as used up."""
    async with db.transaction():
        await db.execute(
            "INSERT INTO channel_usage(channel, month, sent, refused_at) VALUES (?, ?, 0, ?)"
            " ON CONFLICT(channel, month) DO UPDATE SET refused_at = COALESCE(refused_at, excluded.refused_at)",
            (channel, month, to_db(now)),
        )


async def accept(db: Database, channel: str, month: str) -> None:
    """A send went through again (e.g. after the plan was raised): forget the refusal."""
    async with db.transaction():
        await db.execute("UPDATE channel_usage SET refused_at = NULL WHERE channel = ? AND month = ?", (channel, month))


async def refused(db: Database, channel: str, month: str) -> bool:
    value = await db.scalar("SELECT refused_at FROM channel_usage WHERE channel = ? AND month = ?", (channel, month))
    return value is not None
