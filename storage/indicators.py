"""The indicators (schema 0012): read, add, rename. Changes bump the units version, so every process reloads them
with the unit tree."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from bot.domain.indicators import IndicatorDef, Indicators
from storage import units
from storage.db import Database

_COLUMNS = "code, name, short_name, aliases, grp, part_of, required, sort_order, builtin, column_backed"


def _row(r: sqlite3.Row) -> IndicatorDef:
    return IndicatorDef(
        code=r["code"],
        name=r["name"],
        short_name=r["short_name"],
        aliases=tuple(json.loads(r["aliases"] or "[]")),
        group=r["grp"],
        part_of=r["part_of"],
        required=bool(r["required"]),
        sort_order=r["sort_order"],
        builtin=bool(r["builtin"]),
        column_backed=bool(r["column_backed"]),
    )


async def all_rows(db: Database) -> list[IndicatorDef]:
    return [_row(r) for r in await db.fetchall(f"SELECT {_COLUMNS} FROM indicators ORDER BY sort_order, code")]


async def load(db: Database) -> Indicators:
    """The list, reused until the database changes."""

    async def fresh() -> Indicators:
        return Indicators(await all_rows(db))

    return await db.cached(("indicators",), fresh)


async def put(db: Database, item: IndicatorDef, now: datetime) -> None:
    """Add or update one indicator (inside the caller's transaction) and let every process reload the list."""
    await db.execute(
        f"INSERT INTO indicators({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(code) DO UPDATE SET name = excluded.name, short_name = excluded.short_name,"
        " aliases = excluded.aliases, grp = excluded.grp, part_of = excluded.part_of, required = excluded.required,"
        " sort_order = excluded.sort_order",
        (
            item.code,
            item.name,
            item.short_name,
            json.dumps(list(item.aliases), ensure_ascii=False),
            item.group,
            item.part_of,
            int(item.required),
            item.sort_order,
            int(item.builtin),
            int(item.column_backed),
        ),
    )
    await units.bump_version(db, now)
