"""Khối (categories) per committee: code, label, short label, aliases, order. Changes bump the units version,
so every process reloads them with the unit tree."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from bot.domain.categories import Categories, KhoiDef, defaults_for
from storage import units
from storage.db import Database

_COLUMNS = "committee_id, code, label, short_label, aliases, sort_order"


def _row(r: sqlite3.Row) -> KhoiDef:
    return KhoiDef(
        committee_id=r["committee_id"],
        code=r["code"],
        label=r["label"],
        short_label=r["short_label"],
        aliases=tuple(json.loads(r["aliases"] or "[]")),
        sort_order=r["sort_order"],
    )


async def all_rows(db: Database) -> list[KhoiDef]:
    return [_row(r) for r in await db.fetchall(f"SELECT {_COLUMNS} FROM categories ORDER BY committee_id, sort_order")]


async def load(db: Database) -> Categories:
    """Every committee's list, reused until the database changes."""

    async def fresh() -> Categories:
        return Categories(await all_rows(db))

    return await db.cached(("categories",), fresh)


async def put(db: Database, khoi: KhoiDef) -> None:
    await db.execute(
        f"INSERT INTO categories({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(committee_id, code) DO UPDATE SET label = excluded.label, short_label = excluded.short_label,"
        " aliases = excluded.aliases, sort_order = excluded.sort_order",
        (
            khoi.committee_id,
            khoi.code,
            khoi.label,
            khoi.short_label,
            json.dumps(list(khoi.aliases), ensure_ascii=False),
            khoi.sort_order,
        ),
    )


async def seed_defaults(db: Database, committee_id: int) -> None:
    """A new top committee starts with today's list (nothing is overwritten)."""
    for khoi in defaults_for(committee_id):
        existing = await db.scalar(
            "SELECT 1 FROM categories WHERE committee_id = ? AND code = ?", (committee_id, khoi.code)
        )
        if not existing:
            await put(db, khoi)


async def save_list(db: Database, items: list[KhoiDef], now: datetime) -> None:
    """Write a committee's khối (one transaction with the caller's) and let every process reload them."""
    for khoi in items:
        await put(db, khoi)
    await units.bump_version(db, now)
