"""One SQLite database in WAL mode, reached through aiosqlite.

`Database` owns a single connection in autocommit mode; writes go through `transaction()`, which
opens `BEGIN IMMEDIATE` (so two processes on one file serialise instead of failing half-way) and
holds an asyncio lock so that coroutines in this process never interleave inside one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

import aiosqlite

BUSY_TIMEOUT_MS = 15_000
T = TypeVar("T")


class UnusableDatabase(Exception):
    """The database file cannot be used (not a database, damaged, not writable); one line for the operator
    (`storage.backup.restore_hint` says how to get going again)."""


def is_transient(exc: BaseException) -> bool:
    """A write that may succeed if tried again later (another process holds the lock), as opposed to a full
    disk, a read-only file or a damaged one, which will not get better by waiting."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class Database:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None  # the task inside the open transaction
        self._commits = 0
        self.cache: dict[object, tuple[tuple[int, int], object]] = {}  # see cached()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except sqlite3.Error as exc:
            raise UnusableDatabase(f"Không mở được cơ sở dữ liệu {path}: {exc}.") from None
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            await conn.close()  # its thread would otherwise keep the process from exiting
            text = str(exc).lower()
            if "not a database" in text or "malformed" in text:
                raise UnusableDatabase(
                    f"Tệp {path} không phải cơ sở dữ liệu SQLite dùng được (hỏng hoặc sai tệp)."
                ) from exc
            raise UnusableDatabase(
                f"Không ghi được vào cơ sở dữ liệu {path} ({exc}): kiểm tra dung lượng đĩa và quyền ghi."
            ) from exc
        return cls(conn, path)

    async def check_integrity(self) -> None:
        """`PRAGMA quick_check` (seconds even for a large file); a damaged file raises `UnusableDatabase`."""
        try:
            problems = [str(r[0]) for r in await self.fetchall("PRAGMA quick_check")]
        except sqlite3.DatabaseError as exc:
            problems = [str(exc)]
        if problems != ["ok"]:
            raise UnusableDatabase(f"Cơ sở dữ liệu {self.path} bị hỏng ({'; '.join(problems[:2])}).")

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Database]:
        """A write transaction; commits on success, rolls back on any exception.

        Re-entrant within one task: a nested call joins the outer transaction. Other tasks wait their turn.
        """
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            yield self
            return
        async with self._lock:
            await self._begin_immediate()
            self._owner = task
            try:
                yield self
            except BaseException:
                self._owner = None
                if self._conn.in_transaction:  # SQLite has already rolled back after a full disk or an I/O error
                    with contextlib.suppress(sqlite3.Error):  # the original error is the one to report
                        await self._conn.execute("ROLLBACK")
                raise
            self._owner = None
            await self._conn.execute("COMMIT")
            self._commits += 1

    async def _begin_immediate(self) -> None:
        # busy_timeout covers most contention; a few retries cover the rest (e.g. WAL checkpoints).
        for attempt in range(20):
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
        await self._conn.execute("BEGIN IMMEDIATE")

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement; return lastrowid (for INSERT) or the row count."""
        async with self._conn.execute(sql, params) as cur:
            if sql.lstrip()[:6].upper() == "INSERT" and cur.lastrowid is not None:
                return cur.lastrowid
            return cur.rowcount

    async def rowcount(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        async with self._conn.execute(sql, params) as cur:
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        async with self._conn.execute(sql, params) as cur:
            return await cur.fetchone()

    async def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def version(self) -> tuple[int, int]:
        """Changes whenever anything was committed: by another connection (data_version) or by this one."""
        return int(await self.scalar("PRAGMA data_version")), self._commits

    async def cached(self, key: object, load: Callable[[], Awaitable[T]]) -> T:
        """`load()`'s result, reused until the database changes (in this process or another)."""
        version = await self.version()
        hit = self.cache.get(key)
        if hit is not None and hit[0] == version:
            return cast(T, hit[1])  # the cache holds what `load` returned for this key
        value = await load()
        self.cache[key] = (version, value)
        return value

    @property
    def connection(self) -> aiosqlite.Connection:
        return self._conn
