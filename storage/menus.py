"""Numbered menus: the choices last offered in a chat of a channel without buttons (answered by number)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db


async def save(db: Database, channel: str, chat_id: str, choices: Sequence[tuple[str, str]], now: datetime) -> None:
    """Replace the chat's menu with `choices` ((label, data) in the order numbered from 1)."""
    async with db.transaction():
        await db.execute(
            "INSERT INTO choice_menus(channel, chat_id, choices, offered_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(channel, chat_id) DO UPDATE SET choices = excluded.choices, offered_at = excluded.offered_at",
            (channel, chat_id, json.dumps([list(c) for c in choices], ensure_ascii=False), to_db(now)),
        )


async def load(db: Database, channel: str, chat_id: str) -> tuple[list[tuple[str, str]], datetime] | None:
    row = await db.fetchone(
        "SELECT choices, offered_at FROM choice_menus WHERE channel = ? AND chat_id = ?", (channel, chat_id)
    )
    if row is None:
        return None
    return [(label, data) for label, data in json.loads(row["choices"])], from_db(row["offered_at"])


async def clear(db: Database, channel: str, chat_id: str) -> None:
    async with db.transaction():
        await db.execute("DELETE FROM choice_menus WHERE channel = ? AND chat_id = ?", (channel, chat_id))
