"""Reading the rolled-up sums (kept by triggers, see schema 0003): a unit's figure includes every unit below it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from bot.domain.models import BREAKDOWN_FIELDS, PIPELINE_FIELDS, SCREENING_FIELDS, Figures
from bot.domain.records import UnitCounts, UnitSums
from storage.db import Database

_FIGURES = ("admitted", *BREAKDOWN_FIELDS)
_SUMS = ", ".join(f"SUM({c})" for c in ("events", *_FIGURES))
MAX_IN_LIST = 500  # above this, scan the period range and filter in Python
SCAN_ABOVE = 5_000  # silent units: above this many, one scan of the period's reported units
SNAPSHOT_FIELDS = {"pipeline": PIPELINE_FIELDS, "screening": SCREENING_FIELDS}

# Which reported periods a reading counts. A reading of a period [ym_from, period_end] as of the month ym_to
# (ym_to <= period_end while the period runs) counts every live report whose own period lies within
# [ym_from, period_end] and has begun by ym_to: a report of the running quarter or year counts from the moment
# it is confirmed, not only once its period is over. A report of a longer period is never counted in a
# shorter one (a quarter report is not part of any one month). period_end defaults to ym_to (a closed range).
_WITHIN = "ym_from >= ? AND ym_from <= ? AND ym_to <= ?"


def _range(ym_from: int, ym_to: int, period_end: int | None) -> list[int]:
    return [ym_from, ym_to, max(ym_to, period_end if period_end is not None else ym_to)]


async def sums(
    db: Database, ym_from: int, ym_to: int, unit_ids: Iterable[int] | None = None, *, period_end: int | None = None
) -> dict[int, UnitSums]:
    """Live events and their figures per unit, for reported periods lying within [ym_from, period_end] and begun by
    ym_to (see `_WITHIN`), rolled up."""
    ids = None if unit_ids is None else list(unit_ids)
    span = _range(ym_from, ym_to, period_end)
    rows = await _grouped(db, f"unit_id, {_SUMS}", "rollups", "unit_id", ids, span, "ix_rollups_period")
    wanted = None if ids is None or len(ids) <= MAX_IN_LIST else set(ids)
    extra = await _extra(db, ym_from, ym_to, ids, period_end)
    return {
        r[0]: UnitSums(
            r[1], Figures.model_construct(**dict(zip(_FIGURES, r[2:], strict=True)), extra=extra.get(r[0], {}))
        )
        for r in rows
        if (wanted is None or r[0] in wanted) and r[1]
    }


async def _grouped(
    db: Database, select: str, table: str, group: str, ids: list[int] | None, span: list[int], index: str = ""
) -> list[sqlite3.Row]:
    """`SELECT select FROM table … GROUP BY group` over the reported periods `span` (`_range`): for the listed
    units in one IN list, or — when there are none or too many — over the whole period range (the caller filters)."""
    if ids is not None and len(ids) <= MAX_IN_LIST:
        marks = ",".join("?" * len(ids))
        return await db.fetchall(
            f"SELECT {select} FROM {table} WHERE unit_id IN ({marks}) AND {_WITHIN} GROUP BY {group}", [*ids, *span]
        )
    indexed = f" INDEXED BY {index}" if index else ""
    return await db.fetchall(f"SELECT {select} FROM {table}{indexed} WHERE {_WITHIN} GROUP BY {group}", span)


async def _extra(
    db: Database, ym_from: int, ym_to: int, ids: list[int] | None, period_end: int | None
) -> dict[int, dict[str, int]]:
    """The data-defined indicators (schema 0012, `rollup_extra`) counted as `sums` counts the columns."""
    span = _range(ym_from, ym_to, period_end)
    rows = await _grouped(db, "unit_id, code, SUM(value)", "rollup_extra", "unit_id, code", ids, span)
    out: dict[int, dict[str, int]] = {}
    for unit_id, code, value in rows:
        if value:
            out.setdefault(unit_id, {})[code] = value
    return out


async def silent_units(
    db: Database, unit_ids: Iterable[int], ym_from: int, ym_to: int, *, period_end: int | None = None
) -> set[int]:
    """Those of `unit_ids` with no live event (theirs or below) for a period counted as `sums` counts it."""
    ids = list(unit_ids)
    if len(ids) > SCAN_ABOVE:  # a province: one scan of the period's reported units beats ~100 IN lists
        rows = await db.fetchall(
            f"SELECT DISTINCT unit_id FROM rollups INDEXED BY ix_rollups_period WHERE {_WITHIN} AND events > 0",
            _range(ym_from, ym_to, period_end),
        )
        reported = {r[0] for r in rows}
        return {u for u in ids if u not in reported}
    silent: set[int] = set()
    for start in range(0, len(ids), MAX_IN_LIST):
        chunk = ids[start : start + MAX_IN_LIST]
        rows = await db.fetchall(
            f"SELECT DISTINCT unit_id FROM rollups WHERE unit_id IN ({','.join('?' * len(chunk))})"
            f" AND {_WITHIN} AND events > 0",
            [*chunk, *_range(ym_from, ym_to, period_end)],
        )
        silent |= set(chunk) - {r[0] for r in rows}
    return silent


async def snapshot_sums(
    db: Database, kind: str, ym_from: int, ym_to: int, unit_ids: Iterable[int], *, period_end: int | None = None
) -> dict[int, tuple[int, dict[str, int]]] | None:
    """Per unit of `unit_ids` (each with all units below it): how many units have a live pipeline or screening
    snapshot counted as `submissions.latest_snapshots` counts it (the newest of each unit, for reported periods as
    `sums` counts them), and those snapshots' figures summed; units with none are left out. Read from the
    trigger-kept `snapshot_rollups` (schema 0013). None when some unit has snapshots of two different periods
    counted by this reading — then only its newest counts, which a sum per period cannot tell: the caller computes
    from `latest_snapshots` instead."""
    fields = SNAPSHOT_FIELDS[kind]
    window = _range(ym_from, ym_to, period_end)
    mixed = await db.scalar(
        "SELECT 1 FROM snapshot_heads WHERE kind = ? AND ym_from >= ? AND ym_from <= ? AND ym_to <= ?"
        " GROUP BY unit_id HAVING COUNT(*) > 1 LIMIT 1",
        [kind, *window],
    )
    if mixed is not None:
        return None
    ids = list(unit_ids)
    out: dict[int, tuple[int, dict[str, int]]] = {}
    for start in range(0, len(ids), MAX_IN_LIST):
        chunk = ids[start : start + MAX_IN_LIST]
        rows = await db.fetchall(
            f"SELECT unit_id, SUM(units), {', '.join(f'SUM({f})' for f in fields)} FROM snapshot_rollups"
            f" WHERE unit_id IN ({','.join('?' * len(chunk))}) AND kind = ? AND {_WITHIN} GROUP BY unit_id",
            [*chunk, kind, *window],
        )
        for r in rows:
            if r[1]:
                out[r[0]] = (r[1], dict(zip(fields, r[2:], strict=True)))
    return out


async def snapshot_own(
    db: Database, kind: str, unit_id: int, ym_from: int, ym_to: int, *, period_end: int | None = None
) -> tuple[int, dict[str, int]]:
    """The unit's own snapshots (not those below it) counted as `snapshot_sums` counts them (its newest, when
    `snapshot_sums` is not None): 0 or 1 unit and its figures."""
    fields = SNAPSHOT_FIELDS[kind]
    row = await db.fetchone(
        f"SELECT COUNT(*), {', '.join(f'COALESCE(SUM({f}), 0)' for f in fields)} FROM snapshot_heads"
        " WHERE kind = ? AND unit_id = ? AND ym_from >= ? AND ym_from <= ? AND ym_to <= ?",
        [kind, unit_id, *_range(ym_from, ym_to, period_end)],
    )
    assert row is not None
    return row[0], dict(zip(fields, row[1:], strict=True))


async def counts(db: Database, ym_from: int, ym_to: int, *, period_end: int | None = None) -> dict[int, UnitCounts]:
    """Live events and admissions per unit, counted as `sums` counts them, rolled up: the cheap form for
    planning."""
    rows = await db.fetchall(
        "SELECT unit_id, SUM(events), SUM(admitted) FROM rollups INDEXED BY ix_rollups_period"
        f" WHERE {_WITHIN} GROUP BY unit_id",
        _range(ym_from, ym_to, period_end),
    )
    return {r[0]: UnitCounts(r[1], r[2]) for r in rows if r[1]}


async def rebuild(db: Database) -> None:
    """Recompute the closure table and every rollup from the units and the event log (after a re-organisation).

    Runs inside the caller's transaction. The event log itself is never touched.
    """
    await db.execute("DELETE FROM unit_closure")
    await db.execute(
        "INSERT INTO unit_closure(ancestor_id, unit_id, depth)"
        " WITH RECURSIVE up(unit_id, ancestor_id, depth) AS ("
        "   SELECT id, id, 0 FROM units"
        "   UNION ALL"
        "   SELECT up.unit_id, u.parent_id, up.depth + 1 FROM up JOIN units u ON u.id = up.ancestor_id"
        "   WHERE u.parent_id IS NOT NULL AND up.depth < 64"
        " ) SELECT ancestor_id, unit_id, MIN(depth) FROM up GROUP BY ancestor_id, unit_id"
    )
    await db.execute("DELETE FROM rollups")
    await db.execute(
        "INSERT INTO rollups(unit_id, ym_from, ym_to, events, admitted, female, ethnic_minority, religious,"
        " youth_union, student, private_sector, university)"
        " SELECT c.ancestor_id, s.ym_from, s.ym_to, COUNT(*), SUM(a * s.admitted), SUM(a * s.female),"
        " SUM(a * s.ethnic_minority), SUM(a * s.religious), SUM(a * s.youth_union), SUM(a * s.student),"
        " SUM(a * s.private_sector), SUM(a * s.university)"
        " FROM (SELECT *, kind IN ('admission', 'adjustment') AS a FROM submissions WHERE superseded_by IS NULL) s"
        " JOIN unit_closure c ON c.unit_id = s.unit_id GROUP BY c.ancestor_id, s.ym_from, s.ym_to"
    )
    await db.execute("DELETE FROM snapshot_rollups")  # the heads do not depend on the tree
    await db.execute(
        "INSERT INTO snapshot_rollups(unit_id, kind, ym_from, ym_to, units, pool, certified, planned_class, reviewed,"
        " removed, followed_up)"
        " SELECT c.ancestor_id, h.kind, h.ym_from, h.ym_to, COUNT(*), SUM(h.pool), SUM(h.certified),"
        " SUM(h.planned_class), SUM(h.reviewed), SUM(h.removed), SUM(h.followed_up)"
        " FROM snapshot_heads h JOIN unit_closure c ON c.unit_id = h.unit_id"
        " GROUP BY c.ancestor_id, h.kind, h.ym_from, h.ym_to"
    )
    await db.execute("DELETE FROM rollup_extra")
    await db.execute(
        "INSERT INTO rollup_extra(unit_id, ym_from, ym_to, code, value)"
        " SELECT c.ancestor_id, s.ym_from, s.ym_to, j.key, SUM(j.value)"
        " FROM submissions s JOIN unit_closure c ON c.unit_id = s.unit_id, json_each(s.extra) j"
        " WHERE s.superseded_by IS NULL AND s.kind IN ('admission', 'adjustment') AND s.extra <> '{}'"
        " GROUP BY c.ancestor_id, s.ym_from, s.ym_to, j.key"
    )


_INSERT_TRIGGER = "submissions_rollup_insert"


@asynccontextmanager
async def bulk_insert(db: Database) -> AsyncIterator[None]:
    """Many events appended at once (a large import): the per-row rollup trigger costs ~150 µs an event (one upsert
    per ancestor), so inside this block it is dropped and the events appended meanwhile are added to the rollups
    with one grouped upsert at the end, after which the trigger is created again from its own stored text.
    Only inside the caller's write transaction: SQLite's DDL is transactional, so a failure or a crash anywhere
    leaves the trigger and the rollups exactly as they were, and other connections never see it missing.
    Events appended here must not be superseded inside the block (an import supersedes only older events)."""
    if not db.connection.in_transaction:
        raise RuntimeError("rollups.bulk_insert needs a write transaction")
    trigger = await db.scalar("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (_INSERT_TRIGGER,))
    if trigger is None:  # already inside a bulk block: the outer one adds these events too
        yield
        return
    first = int(await db.scalar("SELECT COALESCE(MAX(id), 0) FROM submissions"))
    await db.execute(f"DROP TRIGGER {_INSERT_TRIGGER}")
    yield
    sums = ", ".join(f"COALESCE(SUM(a * s.{c}), 0)" for c in _FIGURES)
    updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in ("events", *_FIGURES))
    await db.execute(
        f"INSERT INTO rollups(unit_id, ym_from, ym_to, events, {', '.join(_FIGURES)})"
        f" SELECT c.ancestor_id, s.ym_from, s.ym_to, COUNT(*), {sums}"
        " FROM (SELECT *, kind IN ('admission', 'adjustment') AS a FROM submissions"
        "       WHERE id > ? AND superseded_by IS NULL) s"
        " JOIN unit_closure c ON c.unit_id = s.unit_id WHERE true GROUP BY c.ancestor_id, s.ym_from, s.ym_to"
        f" ON CONFLICT(unit_id, ym_from, ym_to) DO UPDATE SET {updates}",
        (first,),
    )
    await db.execute(trigger)


async def admitted_by_year(db: Database, unit_ids: Iterable[int], last_year: int) -> dict[int, dict[int, int]]:
    """Admissions (rolled up, adjustments included) per unit and year, every year up to `last_year`: what the
    derived indicators (bot.domain.derived) are computed from. A report's period never spans two years."""
    ids = list(unit_ids)
    out: dict[int, dict[int, int]] = {}
    for start in range(0, len(ids), MAX_IN_LIST):
        chunk = ids[start : start + MAX_IN_LIST]
        rows = await db.fetchall(
            f"SELECT unit_id, ym_from / 100, SUM(admitted) FROM rollups WHERE unit_id IN ({','.join('?' * len(chunk))})"
            " AND ym_from <= ? GROUP BY unit_id, ym_from / 100",
            [*chunk, last_year * 100 + 12],
        )
        for unit_id, year, admitted in rows:
            out.setdefault(unit_id, {})[year] = admitted
    return out
