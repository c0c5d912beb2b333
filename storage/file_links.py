"""Files (charts, Excel) handed out as unguessable, expiring links for channels that cannot upload them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.codes import typeable_token
from storage.db import Database
from storage.timefmt import from_db, to_db


@dataclass(frozen=True)
class StoredFile:
    token: str
    filename: str
    kind: str
    content: bytes
    expires_at: datetime


async def create(
    db: Database,
    *,
    filename: str,
    kind: str,
    content: bytes,
    now: datetime,
    expires_at: datetime,
    user_id: int | None = None,
) -> str:
    """Store the file; return its token (192 random bits, URL-safe, never starting with "-": people type it
    after `ptdv file`, where a leading "-" would read as an option)."""
    token = typeable_token(24)
    async with db.transaction():
        await db.execute(
            "INSERT INTO file_links(token, filename, kind, content, user_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (token, filename, kind, content, user_id, to_db(now), to_db(expires_at)),
        )
    return token


async def fetch(db: Database, token: str, now: datetime) -> StoredFile | None:
    """The file behind a live token (counted as a download); None when unknown or expired."""
    async with db.transaction():
        row = await db.fetchone(
            "SELECT token, filename, kind, content, expires_at FROM file_links WHERE token = ? AND expires_at > ?",
            (token, to_db(now)),
        )
        if row is None:
            return None
        await db.execute("UPDATE file_links SET downloads = downloads + 1 WHERE token = ?", (token,))
    return StoredFile(row["token"], row["filename"], row["kind"], bytes(row["content"]), from_db(row["expires_at"]))


async def purge(db: Database, now: datetime) -> int:
    """Delete expired files; return how many."""
    async with db.transaction():
        return await db.rowcount("DELETE FROM file_links WHERE expires_at <= ?", (to_db(now),))
