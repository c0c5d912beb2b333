"""Units of the tree and their aliases."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from typing import Any

from bot.domain.models import Unit, UnitKind
from bot.domain.normalize import search_key
from storage.db import Database
from storage.timefmt import to_db

_COLUMNS = (
    "id, code, name, short_name, search_name, kind, category, parent_id, sort_order, active, merged_into, valid_from"
)


def _unit(row: sqlite3.Row) -> Unit:
    """In `_COLUMNS` order (positional: 60k of them per tree version at province scale)."""
    since = date.fromisoformat(row[11][:10]) if row[11] else None
    return Unit(
        row[0], row[1], row[2], row[3], row[4], UnitKind(row[5]), row[6], row[7], row[8], bool(row[9]), row[10], since
    )


async def all_units(db: Database) -> list[Unit]:
    rows = await db.fetchall(f"SELECT {_COLUMNS} FROM units ORDER BY sort_order, id")
    return [_unit(r) for r in rows]


async def get(db: Database, unit_id: int) -> Unit | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM units WHERE id = ?", (unit_id,))
    return _unit(row) if row else None


async def by_code(db: Database, code: str) -> Unit | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM units WHERE code = ?", (code,))
    return _unit(row) if row else None


async def add(
    db: Database,
    *,
    code: str,
    name: str,
    short_name: str,
    kind: str,
    now: datetime,
    category: str | None = None,
    parent_id: int | None = None,
    sort_order: int = 0,
    valid_from: date | None = None,
) -> int:
    """A new unit; `valid_from` is the day it came into being (a re-organisation's), None for a unit recorded
    as it already was (a loaded or imported tree), which has existed for every period asked about."""
    since = valid_from.isoformat() if valid_from is not None else None
    unit_id = await db.execute(
        "INSERT INTO units(code, name, short_name, search_name, kind, category, parent_id, sort_order,"
        " created_at, valid_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (code, name, short_name, search_key(name), kind, category, parent_id, sort_order, to_db(now), since),
    )
    if parent_id is None:  # a top committee starts with today's khối and terms (storage/schema/0010, 0011)
        from storage import categories, terms

        if await db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'categories'"):
            await categories.seed_defaults(db, unit_id)
        if await db.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'terms'"):
            await terms.seed_defaults(db, unit_id)
    return unit_id


async def add_alias(db: Database, unit_id: int, alias: str) -> None:
    await db.execute(
        "INSERT OR IGNORE INTO unit_aliases(unit_id, alias, search_alias) VALUES (?, ?, ?)",
        (unit_id, alias, search_key(alias)),
    )


async def aliases(db: Database) -> list[tuple[int, str]]:
    rows = await db.fetchall("SELECT unit_id, search_alias FROM unit_aliases")
    return [(r["unit_id"], r["search_alias"]) for r in rows]


async def count(db: Database) -> int:
    return int(await db.scalar("SELECT COUNT(*) FROM units"))


async def rename(db: Database, unit_id: int, name: str, short_name: str) -> None:
    """New name; the old ones stay as aliases so that people can keep using them."""
    old = await get(db, unit_id)
    if old is not None:
        await add_alias(db, unit_id, old.name)
        await add_alias(db, unit_id, old.short_name)
    await db.execute(
        "UPDATE units SET name = ?, short_name = ?, search_name = ? WHERE id = ?",
        (name, short_name, search_key(name), unit_id),
    )


async def set_parent(db: Database, unit_id: int, parent_id: int | None) -> None:
    await db.execute("UPDATE units SET parent_id = ? WHERE id = ?", (parent_id, unit_id))


async def deactivate(db: Database, unit_id: int, when: datetime, merged_into: int | None = None) -> None:
    await db.execute(
        "UPDATE units SET active = 0, valid_to = ?, merged_into = ? WHERE id = ?",
        (to_db(when), merged_into, unit_id),
    )


async def version(db: Database) -> int:
    """Bumped by every change to the tree, so that every process reloads its cached copy."""
    value = await db.scalar("SELECT value FROM settings WHERE key = 'units_version'")
    return int(value) if value else 0


async def bump_version(db: Database, now: datetime) -> None:
    await db.execute(
        "INSERT INTO settings(key, value, updated_at) VALUES ('units_version', '1', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1, updated_at = excluded.updated_at",
        (to_db(now),),
    )


async def next_code(db: Database, prefix: str) -> str:
    base = "".join(ch for ch in search_key(prefix).upper() if ch.isalnum())[:10] or "DV"
    n = 1
    while await by_code(db, f"{base}{n}") is not None:
        n += 1
    return f"{base}{n}"


async def set_kind_category(db: Database, unit_id: int, kind: str, category: str | None) -> None:
    await db.execute("UPDATE units SET kind = ?, category = ? WHERE id = ?", (kind, category, unit_id))


async def active_rows(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetchall("SELECT * FROM units WHERE active = 1 ORDER BY sort_order, id")]
