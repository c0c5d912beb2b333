"""Exactly-once delivery of channel updates into the application.

PTB's own Updater confirms an update to Telegram (by advancing the getUpdates offset) before the
handlers have run, so a crash at that moment loses it. Here each batch is first written to the
`inbox` table, and only then is the next `getUpdates` call made (which confirms the batch). Rows are
processed in arrival order and marked done after their handler returned; a redelivered update is an
ignored insert. Handlers are idempotent by update key, so a crash between the effects and the mark
leads to a harmless second run.

`InboxPump` is the channel-neutral part (store, claim, process, mark); `UpdatePump` adds Telegram's
long polling and hands rows to the PTB `Application`. Zalo uses `InboxPump` with its own poller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.clock import Clock
from storage import inbox
from storage.db import Database

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_ATTEMPTS = 3

Processor = Callable[[str, dict[str, Any]], Awaitable[str | None]]  # (key, payload) -> error text or None


class InboxPump:
    """Store a channel's updates durably, then process each once (in arrival order) with `process`.

    `key` names an update uniquely within the channel (Telegram's update_id, Zalo's message_id): an update
    stored twice is one row. An error `process` returns or raises is kept on the row (it is not retried).
    """

    def __init__(
        self, db: Database, channel: str, clock: Clock, process: Processor, key: Callable[[dict[str, Any]], str]
    ) -> None:
        self.db = db
        self.channel = channel
        self.clock = clock
        self.process = process
        self.key = key
        self._wake = asyncio.Event()
        self._drain_lock = asyncio.Lock()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    async def ingest(self, payloads: Iterable[dict[str, Any]]) -> int:
        """Store raw updates durably; return how many were new."""
        rows = [(self.key(p), p) for p in payloads]
        new = await inbox.store(self.db, self.channel, rows, self.clock.now())
        if rows:
            self._wake.set()
        return new

    async def drain(self) -> int:
        """Process every stored, unprocessed update in order; return how many were handled."""
        handled = 0
        async with self._drain_lock:
            await self._release_dead_workers()
            while batch := await inbox.pending(self.db, self.channel):
                progressed = False
                for update_id, payload in batch:
                    if not await inbox.claim(self.db, self.channel, update_id, self.worker, self.clock.now()):
                        continue  # another process is handling it
                    await self._process(update_id, payload)
                    handled += 1
                    progressed = True
                if not progressed:
                    break  # what is left is claimed by another live process
        return handled

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

    async def _process(self, update_id: str, payload: dict[str, Any]) -> None:
        try:
            error = await self.process(update_id, payload)
        except Exception as exc:
            log.exception("%s update %s could not be processed", self.channel, update_id)
            error = repr(exc)
        await inbox.mark_done(self.db, self.channel, update_id, self.clock.now(), error=error)

    async def process_until(self, stop: asyncio.Event) -> None:
        """Process inbox rows as they arrive (webhook mode, where `ingest` is called by the web server)."""
        waiter = asyncio.create_task(stop.wait())
        try:
            processor = asyncio.create_task(self.process_forever(stop))
            await waiter
        finally:
            self._wake.set()
            await processor

    def wake(self) -> None:
        """Make the processing loop look at the inbox now (after an ingest elsewhere, or to stop)."""
        self._wake.set()

    async def process_forever(self, stop: asyncio.Event) -> None:
        """Drain the inbox whenever woken, until `stop` is set."""
        while True:
            self._wake.clear()  # before draining, so an ingest during the drain is not missed
            await self.drain()
            if stop.is_set():
                return
            await self._wake.wait()


class UpdatePump(InboxPump):
    """Telegram: long polling into the inbox; rows go to the PTB `Application` (its error handler records
    failures in `bot_data["errors"]`)."""

    def __init__(self, app: Application, db: Database, channel: str, clock: Clock) -> None:
        super().__init__(db, channel, clock, self._to_application, key=lambda p: str(p["update_id"]))
        self.app = app

    async def _to_application(self, update_id: str, payload: dict[str, Any]) -> str | None:
        errors: list[BaseException] = self.app.bot_data.setdefault("errors", [])
        before = len(errors)
        try:
            update = Update.de_json(payload, self.app.bot)
        except Exception as exc:  # a malformed payload
            errors.append(exc)
            raise
        await self.app.process_update(update)  # handler errors go to on_error, which logs and records them
        return repr(errors[-1]) if len(errors) > before else None

    async def poll_forever(self, stop: asyncio.Event, timeout: int = 25) -> None:
        """Long-poll Telegram; each batch is in the inbox before the next call confirms it."""
        offset = None
        processor = asyncio.create_task(self.process_forever(stop))
        backoff = 1.0
        try:
            while not stop.is_set():
                try:
                    updates = await self.app.bot.get_updates(
                        offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
                    )
                except RetryAfter as exc:
                    await sleep_or_stop(stop, _seconds(exc.retry_after))
                    continue
                except (TimedOut, NetworkError) as exc:
                    log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                    await sleep_or_stop(stop, backoff)
                    backoff = min(backoff * 2, 60.0)
                    continue
                backoff = 1.0
                if updates:
                    await self.ingest(u.to_dict() for u in updates)
                    offset = updates[-1].update_id + 1
        finally:
            self._wake.set()
            await processor


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
