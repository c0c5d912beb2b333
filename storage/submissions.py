"""The submission event log: append, supersede, and the sums that progress answers are made of."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.domain.indicators import CODE
from bot.domain.models import BREAKDOWN_FIELDS, PIPELINE_FIELDS, SCREENING_FIELDS, Figures
from bot.domain.periods import Period
from bot.domain.records import Imported, Recorded, Submission
from storage.db import Database
from storage.timefmt import to_db

FIGURE_COLUMNS = ("admitted", *BREAKDOWN_FIELDS)
SNAPSHOT_COLUMNS = {"pipeline": PIPELINE_FIELDS, "screening": SCREENING_FIELDS}
ALL_FIGURE_COLUMNS = (*FIGURE_COLUMNS, *PIPELINE_FIELDS, *SCREENING_FIELDS)


def _submission(row: sqlite3.Row) -> Submission:
    """A stored event as its model: the figure columns gathered by name, the others as fields."""
    data = dict(row)
    figures = {c: data.pop(c) for c in ALL_FIGURE_COLUMNS if c in data}
    extra = json.loads(data.pop("extra", None) or "{}")  # data-defined indicators (bot.domain.indicators)
    return Submission.model_validate(data | {"figures": figures, "extra": extra})


async def append(
    db: Database,
    *,
    unit_id: int,
    kind: str,
    period: Period,
    figures: Mapping[str, int | None],
    now: datetime,
    actor: int | None,
    channel: str,
    source_update: str | None = None,
    raw_text: str = "",
    supersedes: int | None = None,
) -> int:
    columns, extra = split_extra(figures)
    cols = [c for c in ALL_FIGURE_COLUMNS if columns.get(c) is not None]
    values: list[Any] = [columns[c] for c in cols]
    if extra:
        cols.append("extra")
        values.append(extra)
    names = ", ".join(
        [
            "unit_id",
            "kind",
            "period_kind",
            "year",
            "ym_from",
            "ym_to",
            *cols,
            "supersedes",
            "actor_user_id",
            "channel",
            "source_update",
            "raw_text",
            "created_at",
        ]
    )
    marks = ", ".join("?" * (6 + len(cols) + 6))
    new_id = await db.execute(
        f"INSERT INTO submissions({names}) VALUES ({marks})",
        (
            unit_id,
            kind,
            period.kind.value,
            period.year,
            period.ym_from,
            period.ym_to,
            *values,
            supersedes,
            actor,
            channel,
            source_update,
            raw_text,
            to_db(now),
        ),
    )
    if kind in SNAPSHOT_COLUMNS:
        await _bump_snapshots(db)
    return new_id


def split_extra(figures: Mapping[str, int | None]) -> tuple[dict[str, int | None], str]:
    """The figures that have a column, and the others (data-defined indicators, bot.domain.indicators) as the JSON of
    `submissions.extra`: {"farmer": 1}, non-zero values only, "" when none. A key that is no indicator code, or
    a value that is no whole number ≥ 0, is refused."""
    columns: dict[str, int | None] = {}
    extra: dict[str, int] = {}
    for key, value in figures.items():
        if key in ALL_FIGURE_COLUMNS:
            columns[key] = value
        elif key == "extra" and isinstance(value, Mapping):
            for code, v in value.items():
                extra[code] = extra.get(code, 0) + int(v)
        elif CODE.match(key) and (value is None or isinstance(value, int)):
            if value:
                extra[key] = value
        else:
            raise ValueError(f"unknown figures {key!r}")
    if any(v < 0 for v in extra.values()) or any(not CODE.match(k) for k in extra):
        raise ValueError(f"bad indicator values {extra!r}")
    extra = {k: v for k, v in sorted(extra.items()) if v}
    return columns, json.dumps(extra, ensure_ascii=False) if extra else ""


async def supersede(db: Database, old_id: int, new_id: int) -> bool:
    """Mark `old_id` replaced by `new_id`; False when it was already superseded."""
    changed = await db.rowcount(
        "UPDATE submissions SET superseded_by = ? WHERE id = ? AND superseded_by IS NULL", (new_id, old_id)
    )
    if changed:
        await _bump_snapshots(db)
    return changed == 1


async def _bump_snapshots(db: Database) -> None:
    """Bumped in the writing transaction whenever a pipeline or screening snapshot may have changed (an append of
    one, any correction), so that every process drops its cached `latest_snapshots`."""
    await db.execute(
        "INSERT INTO settings(key, value, updated_at) VALUES ('snapshots_version', '1', '')"
        " ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
    )


async def admissions_by_unit(
    db: Database, ym_from: int, ym_to: int, unit_ids: Iterable[int] | None = None
) -> dict[int, Figures]:
    """Live admissions (and adjustments) per unit whose reported period lies within the month range."""
    sums = ", ".join(f"SUM({c})" for c in FIGURE_COLUMNS)
    sql = (
        f"SELECT unit_id, {sums} FROM submissions INDEXED BY ix_submissions_live"
        " WHERE superseded_by IS NULL AND ym_from >= ? AND ym_to <= ? AND kind IN ('admission', 'adjustment')"
    )
    params: list[Any] = [ym_from, ym_to]
    if unit_ids is not None:
        ids = list(unit_ids)
        sql += f" AND unit_id IN ({','.join('?' * len(ids))})"
        params.extend(ids)
    sql += " GROUP BY unit_id"
    rows = await db.fetchall(sql, params)
    extra = await _extra_sums(db, sql, params)
    return {r[0]: Figures(**dict(zip(FIGURE_COLUMNS, r[1:], strict=True)), extra=extra.get(r[0], {})) for r in rows}


async def _extra_sums(db: Database, sql: str, params: list[Any]) -> dict[int, dict[str, int]]:
    """The data-defined indicators of the same events as `sql` (a live-admissions sum), per unit and code."""
    where = sql[sql.index(" WHERE ") : sql.index(" GROUP BY ")]
    rows = await db.fetchall(
        f"SELECT unit_id, j.key, SUM(j.value) FROM submissions, json_each(submissions.extra) j{where}"
        " AND extra <> '{}' GROUP BY unit_id, j.key",
        params,
    )
    out: dict[int, dict[str, int]] = {}
    for unit_id, code, value in rows:
        if value:
            out.setdefault(unit_id, {})[code] = value
    return out


async def latest_snapshots(
    db: Database,
    kind: str,
    ym_from: int,
    ym_to: int,
    root_id: int | None = None,
    *,
    period_end: int | None = None,
) -> dict[int, dict[str, int]]:
    """The newest live pipeline or screening snapshot per unit for a period within [ym_from, period_end] begun
    by ym_to (the rule of `rollups.sums`: a snapshot of the running quarter counts at once); only the units in
    `root_id`'s subtree when given (an answer for one chi bộ does not read the province)."""
    cols = SNAPSHOT_COLUMNS[kind]
    end = max(ym_to, period_end if period_end is not None else ym_to)
    scope, params = "", [kind, ym_from, ym_to, end]
    if root_id is not None:
        scope = " JOIN unit_closure c ON c.unit_id = t.unit_id AND c.ancestor_id = ?"
        params.insert(0, root_id)
    version = await db.scalar("SELECT value FROM settings WHERE key = 'snapshots_version'")
    key = ("snapshots", kind, ym_from, ym_to, end, root_id)
    hit = db.cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]  # type: ignore[return-value]
    rows = await db.fetchall(
        f"SELECT unit_id, {', '.join(cols)} FROM submissions WHERE id IN ("
        f" SELECT MAX(t.id) FROM submissions t{scope}"
        "  WHERE t.kind = ? AND t.superseded_by IS NULL AND t.ym_from >= ? AND t.ym_from <= ? AND t.ym_to <= ?"
        "  GROUP BY t.unit_id)",
        params,
    )
    found = {r["unit_id"]: {c: r[c] or 0 for c in cols} for r in rows}
    db.cache[key] = (version, found)
    return found


async def get(db: Database, submission_id: int) -> Submission | None:
    row = await db.fetchone("SELECT * FROM submissions WHERE id = ?", (submission_id,))
    return _submission(row) if row else None


async def history(db: Database, unit_ids: list[int], limit: int = 10) -> list[Submission]:
    """Recent submissions (live and superseded) of the units, newest sent first, with the sender's name."""
    if not unit_ids:
        return []
    marks = ",".join("?" * len(unit_ids))
    rows = await db.fetchall(
        f"SELECT s.*, u.name AS actor_name, n.name AS unit_name FROM submissions s"
        f" LEFT JOIN users u ON u.id = s.actor_user_id JOIN units n ON n.id = s.unit_id"
        f" WHERE s.unit_id IN ({marks}) ORDER BY s.created_at DESC, s.id DESC LIMIT ?",
        [*unit_ids, limit],
    )
    return [_submission(r) for r in rows]


async def count(db: Database) -> int:
    return int(await db.scalar("SELECT COUNT(*) FROM submissions"))


async def live_within(db: Database, unit_id: int, kind: str, ym_from: int, ym_to: int) -> list[Submission]:
    """Live events of one unit and kind whose period lies within the month range (what a correction replaces)."""
    kinds = ("admission", "adjustment") if kind == "admission" else (kind,)
    rows = await db.fetchall(
        "SELECT s.*, u.name AS actor_name FROM submissions s LEFT JOIN users u ON u.id = s.actor_user_id"
        f" WHERE s.unit_id = ? AND s.kind IN ({','.join('?' * len(kinds))}) AND s.superseded_by IS NULL"
        " AND s.ym_from >= ? AND s.ym_to <= ? ORDER BY s.id",
        (unit_id, *kinds, ym_from, ym_to),
    )
    return [_submission(r) for r in rows]


async def live_overlapping(db: Database, unit_id: int, kind: str, ym_from: int, ym_to: int) -> list[Submission]:
    """Live events of one unit and kind whose period shares a month with the range (a month inside a quarter
    report, the quarter around a month report, …), oldest first."""
    rows = await db.fetchall(
        "SELECT * FROM submissions WHERE unit_id = ? AND kind = ? AND superseded_by IS NULL"
        " AND ym_from <= ? AND ym_to >= ? ORDER BY ym_from, id",
        (unit_id, kind, ym_to, ym_from),
    )
    return [_submission(r) for r in rows]


INSERT_COLUMNS = (
    "unit_id",
    "kind",
    "period_kind",
    "year",
    "ym_from",
    "ym_to",
    *ALL_FIGURE_COLUMNS,
    "extra",
    "actor_user_id",
    "channel",
    "raw_text",
    "created_at",
)


def event_rows(
    events: Iterable[tuple[int, str, Period, Mapping[str, int | None], datetime, int | None, str, str]],
) -> list[tuple[Any, ...]]:
    """(unit_id, kind, period, figures, now, actor, channel, raw_text) tuples as rows for `insert_rows` (pure: a
    large import builds them before it takes the write lock)."""
    rows = []
    defaults = [(c, 0 if c in FIGURE_COLUMNS else None) for c in ALL_FIGURE_COLUMNS]
    moments: dict[datetime, str] = {}  # a bulk append shares a few moments and periods: formatted once
    spans: dict[Period, tuple[str, int, int, int]] = {}
    for unit_id, kind, period, all_figures, now, actor, channel, raw_text in events:
        figures, extra = split_extra(all_figures)  # data-defined indicators go to `extra` (bot.domain.indicators)
        created = moments.get(now) or moments.setdefault(now, to_db(now))
        span = spans.get(period) or spans.setdefault(
            period, (period.kind.value, period.year, period.ym_from, period.ym_to)
        )
        rows.append(
            (
                unit_id,
                kind,
                *span,
                *[figures.get(c, d) for c, d in defaults],
                extra or "{}",
                actor,
                channel,
                raw_text,
                created,
            )
        )
    return rows


async def insert_rows(db: Database, rows: list[tuple[Any, ...]]) -> int:
    """Append rows made by `event_rows` with one statement."""
    marks = ", ".join("?" * len(INSERT_COLUMNS))
    await db.executemany(f"INSERT INTO submissions({', '.join(INSERT_COLUMNS)}) VALUES ({marks})", rows)
    if any(row[1] in SNAPSHOT_COLUMNS for row in rows):
        await _bump_snapshots(db)
    return len(rows)


async def append_many(
    db: Database, events: Iterable[tuple[int, str, Period, Mapping[str, int | None], datetime, int | None, str, str]]
) -> int:
    """Bulk append (unit_id, kind, period, figures, now, actor, channel, raw_text) tuples: imports, benchmarks."""
    return await insert_rows(db, event_rows(events))


async def created_since(db: Database, since: datetime) -> list[Recorded]:
    """Events recorded since a moment, with what each replaced (for "this week" in digests)."""
    rows = await db.fetchall(
        "SELECT s.unit_id, s.kind, COALESCE(s.admitted, 0), COALESCE(o.admitted, 0) FROM submissions s"
        " LEFT JOIN submissions o ON o.id = s.supersedes WHERE s.created_at >= ?",
        (to_db(since),),
    )
    return [Recorded(*r) for r in rows]


async def live_admission_rows(db: Database) -> list[Submission]:
    rows = await db.fetchall(
        "SELECT * FROM submissions WHERE superseded_by IS NULL AND kind IN ('admission', 'adjustment')"
        " ORDER BY unit_id, ym_from, id"
    )
    return [_submission(r) for r in rows]


async def live_imports(db: Database, kind: str) -> dict[tuple[int, int, int], list[Imported]]:
    """The live imported events of a kind (admissions: with adjustments, as `live_within`), by (unit, ym_from,
    ym_to), oldest first: what a second import of the same rows compares with, read once for a whole file."""
    kinds = ("admission", "adjustment") if kind == "admission" else (kind,)
    rows = await db.fetchall(
        f"SELECT id, unit_id, ym_from, ym_to, COALESCE(extra, ''), {', '.join(ALL_FIGURE_COLUMNS)} FROM submissions"
        f" WHERE channel = 'import' AND superseded_by IS NULL AND kind IN ({','.join('?' * len(kinds))}) ORDER BY id",
        kinds,
    )
    out: dict[tuple[int, int, int], list[Imported]] = {}
    for id_, unit_id, ym_from, ym_to, extra, *figures in rows:
        event = Imported(id_, dict(zip(ALL_FIGURE_COLUMNS, figures, strict=True)), extra)
        out.setdefault((unit_id, ym_from, ym_to), []).append(event)
    return out


async def import_stamp(db: Database) -> tuple[int, int]:
    """(live imported events, the newest imported event's id): changes whenever an import or a correction of an
    imported event is committed, so a plan made from `live_imports` can be checked cheaply before it is written."""
    row = await db.fetchone(
        "SELECT COUNT(*) FILTER (WHERE superseded_by IS NULL), COALESCE(MAX(id), 0) FROM submissions"
        " WHERE channel = 'import'"
    )
    assert row is not None
    return int(row[0]), int(row[1])


async def live_snapshot_rows(db: Database) -> list[Submission]:
    """Every unit's newest live pipeline and screening snapshot per reported period (for the import template)."""
    rows = await db.fetchall(
        "SELECT * FROM submissions WHERE id IN (SELECT MAX(id) FROM submissions"
        " WHERE superseded_by IS NULL AND kind IN ('pipeline', 'screening') GROUP BY unit_id, kind, ym_from, ym_to)"
        " ORDER BY unit_id, ym_from, ym_to, kind"
    )
    return [_submission(r) for r in rows]
