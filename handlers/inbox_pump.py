"""Exactly-once delivery of channel updates into the application.

PTB's own Updater confirms an update to Telegram (by advancing the getUpdates offset) before the
handlers have run, so a crash at that moment loses it. Here each batch is first written to the
`inbox` table, and only then is the next `getUpdates` call made (which confirms the batch). Rows are
processed in arrival order and marked done after their handler returned; a redelivered update is an
ignored insert. Handlers are idempotent by update key, so a crash between the effects and the mark
leads to a harmless second run.

`InboxPump` is channel-neutral (store, claim, process, mark): each channel gives it the function that processes
one row, which reports a failure by raising it (or returning its text). The long poll that feeds it is
`handlers.channel.long_poll`; a webhook feeds it through `handlers.webhook.route`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sqlite3
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

from bot.domain.clock import Clock
from storage import inbox
from storage.db import Database, is_transient

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MAX_BACKOFF = 60.0


class PollerFatal(Exception):
    """The channel cannot go on (token refused, database not writable, another instance polling for too long):
    the process exits non-zero with this one line, and systemd restarts it."""


def storage_failure(exc: sqlite3.Error, what: str) -> PollerFatal:
    log.error("%s: the database refused a write (%s); stopping so that the service manager restarts the bot", what, exc)
    return PollerFatal(f"Không ghi được vào cơ sở dữ liệu ({exc}) khi {what}: kiểm tra dung lượng đĩa và quyền ghi.")


Processor = Callable[[str, dict[str, Any]], Awaitable[str | None]]  # (key, payload) -> error text or None
Lanes = Callable[[dict[str, Any]], Iterable[str]]  # what an update must stay in order with: its chat, its sender
Row = tuple[str, dict[str, Any], str | None, str | None]
MAX_LANES = 8  # lanes of one batch processed at the same time


def _lanes(batch: list[Row], lanes: Lanes | None) -> list[list[Row]]:
    """The batch split into lanes, each in arrival order: updates that share any key (a chat, a person) are in one
    lane (joined transitively); without `lanes`, one lane."""
    if lanes is None or len(batch) < 2:
        return [batch]
    parent = list(range(len(batch)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, (_, payload, _, _) in enumerate(batch):
        for key in lanes(payload):
            if key in first:
                parent[root(i)] = root(first[key])
            else:
                first[key] = i
    out: dict[int, list[Row]] = {}
    for i, row in enumerate(batch):
        out.setdefault(root(i), []).append(row)
    return list(out.values())


def telegram_lanes(payload: dict[str, Any]) -> list[str]:
    """A Telegram update's chat and sender (a button press: the chat of the message it is on)."""
    keys = []
    for field in ("message", "edited_message", "callback_query"):
        part = payload.get(field)
        if isinstance(part, dict):
            chat = (part.get("message") if field == "callback_query" else part) or {}
            if isinstance(chat, dict) and isinstance(chat.get("chat"), dict):
                keys.append(f"chat:{chat['chat'].get('id')}")
            sender = part.get("from")
            if isinstance(sender, dict):
                keys.append(f"user:{sender.get('id')}")
    return keys or ["?"]  # an update of no known shape: one lane for all of them


class InboxPump:
    """Store a channel's updates durably, then process each once (in arrival order) with `process`.

    `key` names an update uniquely within the channel (Telegram's update_id, Zalo's message_id): an update
    stored twice is one row. An error `process` returns or raises is kept on the row (it is not retried).
    """

    def __init__(
        self,
        db: Database,
        channel: str,
        clock: Clock,
        process: Processor,
        key: Callable[[dict[str, Any]], str],
        lanes: Lanes | None = None,
    ) -> None:
        self.db = db
        self.channel = channel
        self.clock = clock
        self.process = process
        self.key = key
        self.lanes = lanes  # None: every update after the previous one
        self._wake = asyncio.Event()
        self._failed = asyncio.Event()
        self.failure: PollerFatal | None = None
        self._drain_lock = asyncio.Lock()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    async def ingest(self, payloads: Iterable[dict[str, Any]]) -> int:
        """Store raw updates durably; return how many were new."""
        rows = [(self.key(p), p) for p in payloads]
        new = await inbox.store(self.db, self.channel, rows, self.clock.now(), worker=self.worker)
        if rows:
            self._wake.set()
        return new

    async def ingest_durably(self, payloads: list[dict[str, Any]], stop: asyncio.Event) -> bool:
        """`ingest`, waiting out a busy database (with back-off and a log line); False if `stop` came first. A
        database that refuses writes (disk full, read-only) raises `PollerFatal`."""
        backoff = 1.0
        while not stop.is_set():
            try:
                await self.ingest(payloads)
                return True
            except sqlite3.Error as exc:
                if not is_transient(exc):
                    raise storage_failure(exc, f"lưu tin {self.channel} vừa nhận") from exc
                log.warning("%s updates not stored yet (%s); retrying in %.0f s", self.channel, exc, backoff)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        return False

    async def drain(self, stop: asyncio.Event | None = None) -> int:
        """Process every stored, unprocessed update in order (until `stop` is set); return how many were handled.

        Rows this process claimed when it stored them are processed without another claim; the rows handled are
        marked done together at the end of each batch (one write transaction per batch, not per update). A crash
        before the mark means a second run of those updates, which the handlers recognise by their update key.

        With `lanes`, the updates of a batch that share no chat and no person are processed concurrently (at most
        `MAX_LANES` at a time), each lane in arrival order: one chat waiting for its reply's round trip (or a slow
        answer) does not hold up the others, and no chat or person ever sees its updates handled out of order."""
        handled = 0
        async with self._drain_lock:
            await self._release_dead_workers()
            while batch := await inbox.pending_claims(self.db, self.channel):
                done: list[tuple[str, str | None]] = []
                try:
                    groups = _lanes(batch, self.lanes)
                    if len(groups) == 1:
                        await self._lane(groups[0], stop, done)
                    else:
                        await self._side_by_side(groups, stop, done)
                finally:
                    if done:
                        await inbox.mark_done_many(self.db, self.channel, done, self.clock.now())
                handled += len(done)
                if stop is not None and stop.is_set():
                    return handled  # the rest stays in the inbox for the next start
                if not done:
                    break  # what is left is claimed by another live process
        return handled

    async def _side_by_side(
        self, groups: list[list[Row]], stop: asyncio.Event | None, done: list[tuple[str, str | None]]
    ) -> None:
        gate = asyncio.Semaphore(MAX_LANES)

        async def lane(rows: list[Row]) -> None:
            async with gate:
                await self._lane(rows, stop, done)

        try:
            async with asyncio.TaskGroup() as group:  # a failure (the database) cancels the other lanes
                for rows in groups:
                    group.create_task(lane(rows))
        except BaseExceptionGroup as failed:  # the callers tell a busy database from a broken one by its type
            raise failed.exceptions[0] from None

    async def _lane(self, rows: list[Row], stop: asyncio.Event | None, done: list[tuple[str, str | None]]) -> None:
        """One lane's rows, one after another, each claimed first unless this process holds it already."""
        for update_id, payload, claimed_by, claimed_at in rows:
            if stop is not None and stop.is_set():
                return
            now = self.clock.now()
            if not inbox.holds(claimed_by, claimed_at, self.worker, now) and not await inbox.claim(
                self.db, self.channel, update_id, self.worker, now
            ):
                continue  # another process is handling it
            done.append((update_id, await self._run(update_id, payload)))

    async def _release_dead_workers(self) -> None:
        """A process on this machine that died holding claims (SIGKILL, power cut) frees them at once; claims of
        other machines expire with their lease."""
        host = socket.gethostname()
        for worker in await inbox.claimed_by_others(self.db, self.channel, self.worker):
            worker_host, _, rest = worker.partition(":")
            pid = rest.partition(":")[0]
            if worker_host == host and pid.isdigit() and not _alive(int(pid)):
                log.warning("releasing updates claimed by %s, which is no longer running", worker)
                await inbox.release(self.db, self.channel, worker)

    async def _run(self, update_id: str, payload: dict[str, Any]) -> str | None:
        """Process one update; the error text to keep on its row (None when it went well)."""
        try:
            return await self.process(update_id, payload)
        except Exception as exc:
            log.exception("%s update %s could not be processed", self.channel, update_id)
            return repr(exc)

    async def process_until(self, stop: asyncio.Event) -> None:
        """Process inbox rows as they arrive (webhook mode, where `ingest` is called by the web server), until
        `stop`; raises `PollerFatal` if the database cannot be written (by the processing or by a webhook call)."""
        await self.run_with_processor(stop, self._until_failed(stop))

    async def _until_failed(self, stop: asyncio.Event) -> None:
        await first_of(stop, self._failed)
        if self.failure is not None and not stop.is_set():
            raise self.failure

    def fail(self, error: PollerFatal) -> None:
        """An edge (a webhook call) met a failure the process cannot recover from: stop with it."""
        self.failure = self.failure or error
        self._failed.set()

    async def ingest_or_fail(self, payloads: Iterable[dict[str, Any]]) -> bool:
        """`ingest` for a webhook call: False (answer 5xx: the sender will try again) if the database refused the
        write; a lasting refusal also stops the process (`fail`)."""
        try:
            await self.ingest(payloads)
        except sqlite3.Error as exc:
            if is_transient(exc):
                log.warning("%s webhook update not stored yet (%s); it will be delivered again", self.channel, exc)
            else:
                self.fail(storage_failure(exc, f"lưu tin {self.channel} nhận qua webhook"))
            return False
        return True

    async def run_with_processor(self, stop: asyncio.Event, poller: Coroutine[Any, Any, None]) -> None:
        """Run `poller` (which ingests) next to the processing loop. Both end when `stop` is set; if either fails,
        the other is cancelled and the error propagates (the process exits: never a silent wedge)."""
        tasks = [asyncio.create_task(poller), asyncio.create_task(self.process_forever(stop))]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                error = None if task.cancelled() else task.exception()
                if error is not None:
                    raise error
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def wake(self) -> None:
        """Make the processing loop look at the inbox now (after an ingest elsewhere, or to stop)."""
        self._wake.set()

    async def process_forever(self, stop: asyncio.Event) -> None:
        """Drain the inbox whenever woken, until `stop` is set. A busy database is waited for; one that refuses
        writes (disk full, read-only) raises `PollerFatal`."""
        backoff = 1.0
        while not stop.is_set():
            self._wake.clear()  # before draining, so an ingest during the drain is not missed
            try:
                await self.drain(stop)
            except sqlite3.Error as exc:
                if not is_transient(exc):
                    raise storage_failure(exc, f"xử lý tin {self.channel}") from exc
                log.warning("%s inbox: database busy (%s); retrying in %.0f s", self.channel, exc, backoff)
                await sleep_or_stop(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            await first_of(stop, self._wake)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def first_of(*events: asyncio.Event) -> None:
    """Wait until any of `events` is set."""
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


class Stopped(Exception):
    """`stop` was set while a call was in flight (the call was cancelled)."""


async def unless_stopped(stop: asyncio.Event, call: Awaitable[Any]) -> Any:
    """`call`'s result, or `Stopped` (with the call cancelled) as soon as `stop` is set."""
    task = asyncio.ensure_future(call)
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise Stopped
    return task.result()
