"""Users and their chat identities (channel, external id)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.domain.models import User
from storage.db import Database
from storage.timefmt import to_db

_COLUMNS = "u.id, u.name, u.role, u.unit_id, u.login, u.title, u.active"


def _user(row: sqlite3.Row) -> User:
    return User(**{k: row[k] for k in row.keys()})  # noqa: SIM118 - sqlite3.Row iterates values


async def add(
    db: Database,
    *,
    name: str,
    role: str,
    unit_id: int,
    now: datetime,
    login: str | None = None,
    title: str | None = None,
    phone: str | None = None,
) -> int:
    return await db.execute(
        "INSERT INTO users(name, login, title, role, unit_id, phone, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (name, login, title, role, unit_id, phone, to_db(now)),
    )


async def get(db: Database, user_id: int) -> User | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM users u WHERE u.id = ?", (user_id,))
    return _user(row) if row else None


async def by_login(db: Database, login: str) -> User | None:
    row = await db.fetchone(f"SELECT {_COLUMNS} FROM users u WHERE u.login = ?", (login,))
    return _user(row) if row else None


async def by_identity(db: Database, channel: str, external_id: str) -> User | None:
    row = await db.fetchone(
        f"SELECT {_COLUMNS} FROM users u JOIN identities i ON i.user_id = u.id"
        " WHERE i.channel = ? AND i.external_id = ?",
        (channel, external_id),
    )
    return _user(row) if row else None


async def link_identity(
    db: Database,
    *,
    channel: str,
    external_id: str,
    user_id: int,
    now: datetime,
    chat_id: str | None = None,
    username: str | None = None,
    display_name: str | None = None,
) -> None:
    await db.execute(
        "INSERT INTO identities(channel, external_id, user_id, chat_id, username, display_name, linked_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(channel, external_id) DO UPDATE SET user_id = excluded.user_id,"
        " chat_id = excluded.chat_id, username = excluded.username, display_name = excluded.display_name,"
        " linked_at = excluded.linked_at",
        (channel, external_id, user_id, chat_id, username, display_name, to_db(now)),
    )


async def in_units(db: Database, unit_ids: list[int], *, active_only: bool = True) -> list[User]:
    if not unit_ids:
        return []
    marks = ",".join("?" * len(unit_ids))
    extra = " AND u.active = 1" if active_only else ""
    rows = await db.fetchall(
        f"SELECT {_COLUMNS} FROM users u WHERE u.unit_id IN ({marks}){extra} ORDER BY u.unit_id, u.id",
        unit_ids,
    )
    return [_user(r) for r in rows]


async def all_users(db: Database) -> list[User]:
    return [_user(r) for r in await db.fetchall(f"SELECT {_COLUMNS} FROM users u ORDER BY u.id")]


async def set_active(db: Database, user_id: int, active: bool) -> None:
    await db.execute("UPDATE users SET active = ? WHERE id = ?", (int(active), user_id))


async def set_unit(db: Database, user_id: int, unit_id: int) -> None:
    await db.execute("UPDATE users SET unit_id = ? WHERE id = ?", (unit_id, user_id))


async def set_role(db: Database, user_id: int, role: str) -> None:
    await db.execute("UPDATE users SET role = ? WHERE id = ?", (role, user_id))


async def chats_of(db: Database, user_id: int) -> list[tuple[str, str]]:
    """(channel, chat id) pairs where the user can be reached."""
    rows = await db.fetchall(
        "SELECT channel, COALESCE(chat_id, external_id) FROM identities WHERE user_id = ? ORDER BY linked_at",
        (user_id,),
    )
    return [(r[0], r[1]) for r in rows]


async def active_people(db: Database) -> list[tuple[int, str, int, bool]]:
    """(id, name, unit id, is official) of every active user: the cheap form for planning reminders."""
    rows = await db.fetchall("SELECT id, name, unit_id, role = 'official' FROM users WHERE active = 1 ORDER BY id")
    return [(r[0], r[1], r[2], bool(r[3])) for r in rows]


_SETTABLE = {"active", "unit_id", "role"}


async def set_field(db: Database, user_id: int, column: str, value: object) -> None:
    """One administrative field (active, unit, role) of a user."""
    if column not in _SETTABLE:
        raise ValueError(f"{column} cannot be set this way")
    await db.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, user_id))


async def without_identity(db: Database, user_ids: list[int], *, ignore_channel: str = "console") -> list[int]:
    """Those of `user_ids` with no chat identity yet (imported or created, never registered); an identity on
    `ignore_channel` (the local console) does not count."""
    if not user_ids:
        return []
    marks = ", ".join("?" * len(user_ids))
    rows = await db.fetchall(
        f"SELECT id FROM users WHERE id IN ({marks})"
        " AND id NOT IN (SELECT user_id FROM identities WHERE channel != ?) ORDER BY id",
        (*user_ids, ignore_channel),
    )
    return [r["id"] for r in rows]


async def find_in_unit(db: Database, name: str, unit_id: int) -> int | None:
    return await db.scalar("SELECT id FROM users WHERE name = ? AND unit_id = ?", (name, unit_id))


_PROFILE = ("name", "role", "unit_id", "title", "phone", "login")


async def profile(db: Database, user_id: int) -> dict[str, Any]:
    row = await db.fetchone(f"SELECT {', '.join(_PROFILE)} FROM users WHERE id = ?", (user_id,))
    return dict(row) if row else {}


async def set_profile(db: Database, user_id: int, values: dict[str, Any]) -> None:
    await db.execute(
        f"UPDATE users SET {', '.join(f'{c} = ?' for c in _PROFILE)} WHERE id = ?",
        (*(values[c] for c in _PROFILE), user_id),
    )


async def move_all(db: Database, from_unit: int, to_unit: int) -> None:
    """Everyone registered for `from_unit` now belongs to `to_unit` (a merge)."""
    await db.execute("UPDATE users SET unit_id = ? WHERE unit_id = ?", (to_unit, from_unit))


async def active_rows(db: Database) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetchall("SELECT * FROM users WHERE active = 1 ORDER BY id")]


async def count_active(db: Database) -> int:
    return int(await db.scalar("SELECT COUNT(*) FROM users WHERE active = 1"))


async def people_on_channel(db: Database, channel: str) -> list[tuple[int, int]]:
    """(user id, unit id) of the active people with an identity on `channel` (one bot's users)."""
    rows = await db.fetchall(
        "SELECT DISTINCT u.id, u.unit_id FROM users u JOIN identities i ON i.user_id = u.id"
        " WHERE i.channel = ? AND u.active = 1",
        (channel,),
    )
    return [(r[0], r[1]) for r in rows]
