"""One version of everything a progress figure is computed from, read in a single statement.

A chart (or any other answer cached across updates) is valid while this value is unchanged: the newest event id
(every submission, correction and import adds an event; events are never deleted), the versions bumped in the
writing transaction of targets, units (re-organisations, khối) and snapshots (an append or any correction), the
terms (congress dates) and the calendar setting (the tolerance). The inbox's own commits do not change it, unlike
`Database.version()`, so a cache keyed on it survives the bookkeeping of every update."""

from __future__ import annotations

from storage.db import Database
from storage.reminders import CALENDAR_KEY

_SQL = (
    "SELECT (SELECT MAX(id) FROM submissions),"
    " (SELECT group_concat(v, ';') FROM (SELECT key || '=' || value || '@' || IFNULL(updated_at, '') AS v"
    "   FROM settings WHERE key IN ('targets_version', 'units_version', 'snapshots_version', ?) ORDER BY key)),"
    " (SELECT group_concat(v, ';') FROM (SELECT unit_id || ':' || start_year || ':' || end_year || ':' || start_date"
    "   || ':' || IFNULL(end_date, '') AS v FROM terms ORDER BY unit_id, start_year))"
)

DataVersion = tuple[int, str, str]


async def data_version(db: Database) -> DataVersion:
    row = await db.fetchone(_SQL, (CALENDAR_KEY,))
    assert row is not None  # a SELECT without FROM always returns one row
    return (int(row[0] or 0), str(row[1] or ""), str(row[2] or ""))
