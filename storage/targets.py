"""Admission targets (chỉ tiêu) per unit, per year or per term."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from bot.domain.models import Target
from bot.domain.periods import QuarterPlan
from storage.db import Database
from storage.timefmt import to_db

T = TypeVar("T")


def _plan(text: str) -> QuarterPlan:
    q1, q2, q3, q4 = json.loads(text)
    return q1, q2, q3, q4


def _target(row: sqlite3.Row) -> Target:
    plan = _plan(row["quarter_plan"]) if row["quarter_plan"] else None
    return Target(
        unit_id=row["unit_id"],
        scope=row["scope"],
        start_year=row["start_year"],
        end_year=row["end_year"],
        value=row["value"],
        quarter_plan=plan,
    )


async def set_target(
    db: Database,
    *,
    unit_id: int,
    scope: str,
    start_year: int,
    end_year: int,
    value: int,
    now: datetime,
    set_by: int | None = None,
    quarter_plan: list[float] | None = None,
) -> None:
    await db.execute(
        "INSERT INTO targets(unit_id, scope, start_year, end_year, value, quarter_plan, set_by, set_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(unit_id, scope, start_year) DO UPDATE SET end_year = excluded.end_year,"
        " value = excluded.value, quarter_plan = excluded.quarter_plan, set_by = excluded.set_by,"
        " set_at = excluded.set_at",
        (
            unit_id,
            scope,
            start_year,
            end_year,
            value,
            json.dumps(quarter_plan) if quarter_plan else None,
            set_by,
            to_db(now),
        ),
    )
    await bump_version(db, now)


async def bump_version(db: Database, now: datetime) -> None:
    """Bumped with every target write, in the same transaction, so that every process drops its cached targets."""
    await db.execute(
        "INSERT INTO settings(key, value, updated_at) VALUES ('targets_version', '1', ?)"
        " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1, updated_at = excluded.updated_at",
        (to_db(now),),
    )


async def version(db: Database) -> tuple[int, int]:
    """(targets version, units version): what targets and their roll-up over the tree depend on."""
    rows = await db.fetchall("SELECT key, value FROM settings WHERE key IN ('targets_version', 'units_version')")
    found = {r[0]: int(r[1]) for r in rows}
    return found.get("targets_version", 0), found.get("units_version", 0)


async def memo(db: Database, key: object, load: Callable[[], Awaitable[T]]) -> T:
    """`load()`'s result, reused until targets or units change (in this process or another). Keyed by the versions
    bumped in the writing transaction, not by the connection's commits, so inbox bookkeeping does not empty it."""
    current = await version(db)
    hit = db.cache.get(key)
    if hit is not None and hit[0] == current:
        return hit[1]  # type: ignore[return-value]
    value = await load()
    db.cache[key] = (current, value)
    return value


async def for_year(db: Database, year: int) -> dict[int, Target]:
    rows = await db.fetchall("SELECT * FROM targets WHERE scope = 'year' AND start_year = ?", (year,))
    return {r["unit_id"]: _target(r) for r in rows}


async def values_for_year(
    db: Database, year: int, root_id: int | None = None
) -> tuple[dict[int, int], dict[int, QuarterPlan]]:
    """Direct yearly targets (unit → value) in `root_id`'s subtree (all units for None), and quarterly plans."""
    return await _direct(db, "year", year, root_id)


async def values_for_term(db: Database, start_year: int, root_id: int | None = None) -> dict[int, int]:
    """Direct term targets (unit → value) in `root_id`'s subtree (all units for None)."""
    return (await _direct(db, "term", start_year, root_id))[0]


async def _direct(
    db: Database, scope: str, start_year: int, root_id: int | None
) -> tuple[dict[int, int], dict[int, QuarterPlan]]:
    async def load() -> tuple[dict[int, int], dict[int, QuarterPlan]]:
        sql = "SELECT t.unit_id, t.value, t.quarter_plan FROM targets t"
        params: list[object] = [scope, start_year]
        if root_id is not None:
            sql += " JOIN unit_closure c ON c.unit_id = t.unit_id AND c.ancestor_id = ?"
            params.insert(0, root_id)
        rows = await db.fetchall(sql + " WHERE t.scope = ? AND t.start_year = ?", params)
        plans = {r[0]: _plan(r[2]) for r in rows if r[2]}
        return {r[0]: r[1] for r in rows}, plans

    return await memo(db, ("targets", scope, start_year, root_id), load)


async def get(db: Database, unit_id: int, scope: str, start_year: int) -> dict[str, Any] | None:
    row = await db.fetchone(
        "SELECT value, quarter_plan, end_year FROM targets WHERE unit_id = ? AND scope = ? AND start_year = ?",
        (unit_id, scope, start_year),
    )
    return dict(row) if row else None


async def all_rows(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetchall("SELECT * FROM targets ORDER BY scope DESC, start_year, unit_id")]
