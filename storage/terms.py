"""A committee's terms (nhiệm kỳ), congress to congress."""

from __future__ import annotations

import sqlite3
from datetime import date

from bot.domain.models import Frozen
from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from storage.db import Database


class Term(Frozen):
    id: int
    unit_id: int
    start_year: int
    end_year: int
    congress: date
    next_congress: date | None = None

    def period(self) -> Period:
        return Period.term(self.start_year, self.end_year, congress=self.congress, next_congress=self.next_congress)


def _term(r: sqlite3.Row) -> Term:
    return Term(
        id=r["id"],
        unit_id=r["unit_id"],
        start_year=r["start_year"],
        end_year=r["end_year"],
        congress=date.fromisoformat(r["start_date"]),
        next_congress=date.fromisoformat(r["end_date"]) if r["end_date"] else None,
    )


async def all_terms(db: Database) -> dict[int, list[Term]]:
    """unit → its terms, oldest first; reused until the database changes."""

    async def load() -> dict[int, list[Term]]:
        out: dict[int, list[Term]] = {}
        for r in await db.fetchall("SELECT * FROM terms ORDER BY unit_id, start_year"):
            out.setdefault(r["unit_id"], []).append(_term(r))
        return out

    return await db.cached(("terms",), load)


async def record(
    db: Database, unit_id: int, start_year: int, end_year: int, congress: date, next_congress: date | None
) -> int:
    """Record (or correct) a term's dates; the previous term of the unit ends at this congress."""
    await db.execute(
        "INSERT INTO terms(unit_id, start_year, end_year, start_date, end_date) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(unit_id, start_year) DO UPDATE SET end_year = excluded.end_year,"
        " start_date = excluded.start_date, end_date = excluded.end_date",
        (unit_id, start_year, end_year, congress.isoformat(), next_congress.isoformat() if next_congress else None),
    )
    await db.execute(
        "UPDATE terms SET end_date = ? WHERE unit_id = ? AND end_year = ? AND start_year < ?",
        (congress.isoformat(), unit_id, start_year, start_year),
    )
    return int(await db.scalar("SELECT id FROM terms WHERE unit_id = ? AND start_year = ?", (unit_id, start_year)))


async def seed_defaults(db: Database, unit_id: int) -> None:
    """A new top committee: the terms around the 2025 congresses at the default dates (as migration 0011)."""
    await db.execute(
        "INSERT OR IGNORE INTO terms(unit_id, start_year, end_year, start_date, end_date)"
        " VALUES (?, 2020, 2025, '2020-07-01', '2025-07-01'), (?, 2025, 2030, '2025-07-01', NULL)",
        (unit_id, unit_id),
    )


def committee_terms(tree: UnitTree, terms: dict[int, list[Term]], unit_id: int) -> list[Term]:
    """The terms of the nearest committee at or above `unit_id` that recorded any."""
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current in tree and current not in seen:
        if current in terms:
            return terms[current]
        seen.add(current)
        current = tree[current].parent_id
    return []


def resolve(tree: UnitTree, terms: dict[int, list[Term]], unit_id: int, period: Period, today: date) -> Period:
    """A term period with the committee's real congress dates.

    "Nhiệm kỳ này" (the default term that holds today) means the committee's current term, whatever its years;
    a term named by its years gets that term's dates. Without records the default dates stay."""
    own = committee_terms(tree, terms, unit_id)
    if period.contains(today):
        for term in own:
            if term.congress <= today and (term.next_congress is None or today < term.next_congress):
                return term.period()
    for term in own:
        if term.start_year == period.year:
            return term.period()
    return period
