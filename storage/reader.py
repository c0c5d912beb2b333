"""A second connection for long reads (an export over a whole province), used off the event loop.

The loop's own connection (`Database.open`) is the one that writes; a long read there would hold the loop and, inside
a transaction, could see another task's uncommitted rows. A reader is a separate connection on the same file, with
`query_only` set, so nothing written through it by mistake can reach the database. In WAL mode it reads a consistent
snapshot while the writer goes on."""

from __future__ import annotations

from pathlib import Path

from storage.db import Database


async def open_reader(path: Path | str) -> Database:
    """A read-only `Database` on `path` (a file the writer has already opened and migrated)."""
    db = await Database.open(path)
    db.connection.execute("PRAGMA query_only = ON")
    return db
