"""Admission targets (chỉ tiêu) per unit, per year or per term."""

from __future__ import annotations

import json
from datetime import datetime

from bot.models import Target
from storage.db import Database
from storage.timefmt import to_db


def _target(row) -> Target:  # type: ignore[no-untyped-def]
    plan = json.loads(row["quarter_plan"]) if row["quarter_plan"] else None
    return Target(
        unit_id=row["unit_id"],
        scope=row["scope"],
        start_year=row["start_year"],
        end_year=row["end_year"],
        value=row["value"],
        quarter_plan=tuple(plan) if plan else None,
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


async def for_year(db: Database, year: int) -> dict[int, Target]:
    rows = await db.fetchall("SELECT * FROM targets WHERE scope = 'year' AND start_year = ?", (year,))
    return {r["unit_id"]: _target(r) for r in rows}


async def for_term(db: Database, start_year: int) -> dict[int, Target]:
    rows = await db.fetchall("SELECT * FROM targets WHERE scope = 'term' AND start_year = ?", (start_year,))
    return {r["unit_id"]: _target(r) for r in rows}
