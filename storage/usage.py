"""How many messages each channel sent in a calendar month (for plans with a monthly quota)."""

from __future__ import annotations

from storage.db import Database


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
