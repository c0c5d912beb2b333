"""Single-use, expiring invite codes that register a person for a unit and a role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.timefmt import from_db, to_db

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on phones


@dataclass(frozen=True)
class Invite:
    code: str
    unit_id: int
    role: str
    name: str | None
    expires_at: datetime
    used_by: int | None
    link_user_id: int | None = None  # the identity that uses it joins this existing user
    channel: str | None = None  # the chat app the code works on; None: any
    created_by: int | None = None  # a link code is created by its own user; an invite by an official (or None)

    @property
    def is_link_code(self) -> bool:
        """A person's own code for adding a chat app, as opposed to an official's invite."""
        return self.link_user_id is not None and self.created_by == self.link_user_id


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


async def create(
    db: Database,
    *,
    unit_id: int,
    role: str,
    now: datetime,
    expires_at: datetime,
    created_by: int | None,
    name: str | None = None,
    link_user_id: int | None = None,
    channel: str | None = None,
) -> Invite:
    while True:
        code = new_code()
        if await db.fetchone("SELECT 1 FROM invites WHERE code = ?", (code,)) is None:
            break
    await db.execute(
        "INSERT INTO invites(code, unit_id, role, name, created_by, created_at, expires_at, link_user_id, channel)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (code, unit_id, role, name, created_by, to_db(now), to_db(expires_at), link_user_id, channel),
    )
    return Invite(code, unit_id, role, name, expires_at, None, link_user_id, channel, created_by)


async def get(db: Database, code: str) -> Invite | None:
    row = await db.fetchone("SELECT * FROM invites WHERE code = ?", (code.strip().upper(),))
    if row is None:
        return None
    return Invite(
        row["code"],
        row["unit_id"],
        row["role"],
        row["name"],
        from_db(row["expires_at"]),
        row["used_by"],
        row["link_user_id"],
        row["channel"],
        row["created_by"],
    )


async def use(db: Database, code: str, user_id: int, now: datetime) -> bool:
    """Mark the code used; False when someone used it first."""
    changed = await db.rowcount(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE code = ? AND used_by IS NULL", (user_id, to_db(now), code)
    )
    return changed == 1


async def expire(db: Database, code: str, now: datetime) -> None:
    """End an unused code now (it was shown where others could read it)."""
    await db.execute("UPDATE invites SET expires_at = ? WHERE code = ? AND used_by IS NULL", (to_db(now), code))


async def failed_attempts(db: Database, channel: str, sender_id: str, since: datetime) -> int:
    return int(
        await db.scalar(
            "SELECT COUNT(*) FROM code_attempts WHERE channel = ? AND sender_id = ? AND at > ?",
            (channel, sender_id, to_db(since)),
        )
    )


async def record_failure(db: Database, channel: str, sender_id: str, now: datetime, keep_since: datetime) -> None:
    await db.execute("DELETE FROM code_attempts WHERE at <= ?", (to_db(keep_since),))
    await db.execute(
        "INSERT INTO code_attempts(channel, sender_id, at) VALUES (?, ?, ?)", (channel, sender_id, to_db(now))
    )
