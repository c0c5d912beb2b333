"""Numbered SQL migrations (`storage/schema/NNNN_name.sql`), applied in order.

Each file runs inside one transaction together with its row in `schema_migrations`, so a database is
always at a whole version. `sqlite3.complete_statement` splits the script, which keeps trigger bodies
(`BEGIN ... END;`) intact and avoids `executescript`, which would commit behind our back.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

from storage.db import Database

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available() -> list[Migration]:
    folder = resources.files("storage") / "schema"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


def split_statements(script: str) -> list[str]:
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not all(ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()):
        raise ValueError(f"incomplete SQL statement at end of migration: {buffer[:80]!r}")
    return statements


async def current_version(db: Database) -> int:
    await db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return int(await db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def migrate(db: Database, target: int | None = None) -> list[int]:
    """Bring the schema to `target` (default: newest); return the versions applied now."""
    applied = []
    for migration in available():
        if target is not None and migration.version > target:
            break
        async with db.transaction():
            if migration.version <= await current_version(db):
                continue  # another process got here first
            for statement in split_statements(migration.sql):
                await db.execute(statement)
            await db.execute(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, datetime('now'))",
                (migration.version, migration.name),
            )
        applied.append(migration.version)
    return applied


def latest_version() -> int:
    return available()[-1].version
