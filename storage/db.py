"""One SQLite database in WAL mode.

`Database` owns a single connection in autocommit mode; writes go through `transaction()`, which
opens `BEGIN IMMEDIATE` (so two processes on one file serialise instead of failing half-way) and
holds an asyncio lock so that coroutines in this process never interleave inside one transaction; a
statement of another task (chats are processed side by side) waits for an open transaction to end.

The statements are run on the event loop's thread (the `sqlite3` module directly): the bot's statements are short
(indexed reads of rolled-up sums, single-row writes), and a hop to a worker thread and back cost more than the
statement itself (~150 µs, two or three per statement with aiosqlite). The methods stay `async` so that callers do
not change and a transaction still yields between statements. A busy database (another process writing) is not
waited for inside SQLite on this thread for long: `BEGIN IMMEDIATE` uses a short busy timeout and retries with
`asyncio.sleep`, so the loop keeps serving while it waits. Long reads — an export over a whole province — run on a
reader connection of their own in a worker thread (`storage.reader`, `bot.services.files`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

BUSY_TIMEOUT_MS = 15_000  # how long a write waits for another process, in all
STATEMENT_BUSY_MS = 100  # what one statement may block the event loop waiting for a lock
T = TypeVar("T")


# What a statement raises when SQLite refuses it (locked, interrupted, disk full): services catch it without
# importing sqlite3 (the SQL stays in storage/).
OperationalError = sqlite3.OperationalError


class UnusableDatabase(Exception):
    """The database file cannot be used (not a database, damaged, not writable); one line for the operator
    (`storage.backup.restore_hint` says how to get going again)."""


def is_transient(exc: BaseException) -> bool:
    """A write that may succeed if tried again later (another process holds the lock), as opposed to a full
    disk, a read-only file or a damaged one, which will not get better by waiting."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class Database:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
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
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise UnusableDatabase(f"Không mở được cơ sở dữ liệu {path}: {exc}.") from None
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {STATEMENT_BUSY_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            conn.close()
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
        self._conn.close()

    def interrupt(self) -> None:
        """Stop the statement running on this connection (from another thread); it raises OperationalError."""
        self._conn.interrupt()

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
                        self._conn.execute("ROLLBACK")
                raise
            self._owner = None
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise
            self._commits += 1

    async def _begin_immediate(self) -> None:
        # Another process holding the write lock is waited for here, asleep, not inside SQLite on the loop's thread.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BUSY_TIMEOUT_MS / 1000
        delay = 0.005
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_transient(exc) or loop.time() >= deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def _outside_others(self) -> None:
        """Tasks share the one connection: a statement of one task never runs inside another task's open
        transaction (it would see, or become part of, writes that may yet be rolled back); it waits for the end of
        that transaction. Costs one comparison when no transaction is open."""
        while self._owner is not None and self._owner is not asyncio.current_task():
            async with self._lock:
                pass  # released without a pause: the statement runs before any other task can begin

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one statement; return lastrowid (for INSERT) or the row count."""
        await self._outside_others()
        cur = self._conn.execute(sql, params)
        try:
            if sql.lstrip()[:6].upper() == "INSERT" and cur.lastrowid is not None:
                return cur.lastrowid
            return cur.rowcount
        finally:
            cur.close()

    async def rowcount(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        await self._outside_others()
        cur = self._conn.execute(sql, params)
        try:
            return cur.rowcount
        finally:
            cur.close()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._outside_others()
        self._conn.executemany(sql, rows).close()

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        await self._outside_others()
        return self._conn.execute(sql, params).fetchall()

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        await self._outside_others()
        cur = self._conn.execute(sql, params)
        try:
            return cur.fetchone()
        finally:
            cur.close()

    async def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    @property
    def commits(self) -> int:
        """Transactions this connection committed so far (a change counter; tests count commits with it)."""
        return self._commits

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
    def connection(self) -> sqlite3.Connection:
        return self._conn
