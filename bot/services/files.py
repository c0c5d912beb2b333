"""Files (chart pictures, workbooks, the periodic report) produced off the event loop.

The figures are read on a separate read-only connection (`storage.reader`) and the file is drawn or written in a
worker thread, so the loop keeps answering other chats meanwhile, and the loop's connection — the one that writes —
is never used from another thread. If the file is not ready within `PREPARE_AFTER` seconds, the asker first gets
`PREPARING` and then the file when it is done (through the channel's notifier, as a long import does); a channel
that cannot send on its own (the console, the command line) simply waits for it.

The update that asked is marked done once `PREPARING` is sent; a file still being made when the process stops is
not made again after the restart (the person asks again). Nothing is stored by making a file, so nothing is lost."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any, TypeVar

from bot.domain.messages import Reply
from bot.present.replies import files as texts
from bot.services.context import Context
from storage.reader import open_reader

log = logging.getLogger(__name__)
T = TypeVar("T")
Later = Callable[[Coroutine[Any, Any, list[Reply]]], None]  # as imports.Later: run a job, send its replies

PREPARING = texts.PREPARING
NOT_MADE = texts.NOT_MADE
PREPARE_AFTER = 1.0  # seconds a file may take before the asker is told it is on its way
BACKGROUND: ContextVar[Later | None] = ContextVar("files_background", default=None)  # set per update by Core.handle
DRAWING = threading.Lock()  # matplotlib's pyplot keeps global state: one picture at a time
_RUNNING: set[asyncio.Task[None]] = set()  # background jobs whose replies are still to be sent (`track`)


def track(task: asyncio.Task[None]) -> None:
    """A background job that sends its replies when done (a file, an import check), for `settled`."""
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


async def settled() -> None:
    """Wait until every tracked background job has sent its replies: the console shows a file after "đang chuẩn
    bị tệp…" before it reads the next line, as a person waiting at the prompt would see it."""
    while _RUNNING:
        await asyncio.gather(*list(_RUNNING), return_exceptions=True)


async def off_loop(ctx: Context, work: Callable[[Context], Awaitable[T]]) -> T:
    """`work` run in a worker thread (its own event loop) with `ctx` on a read-only connection of its own."""
    if str(ctx.db.path) == ":memory:":  # no second connection can see an in-memory database
        return await work(ctx)
    await ctx.tree()  # loaded (or refreshed) here, shared with the reader

    async def in_thread() -> T:
        reader = await open_reader(ctx.db.path)
        try:
            return await work(ctx.reading(reader))
        finally:
            await reader.close()

    return await asyncio.to_thread(asyncio.run, in_thread())


async def soon(job: Coroutine[Any, Any, list[Reply]]) -> list[Reply]:
    """The job's replies if they are ready within `PREPARE_AFTER`; otherwise `PREPARING` now and the replies later
    (when this update's channel can send on its own)."""
    later = BACKGROUND.get()
    task = asyncio.ensure_future(job)
    if later is None:
        return await task
    done, _ = await asyncio.wait({task}, timeout=PREPARE_AFTER)
    if done:
        return task.result()

    async def rest() -> list[Reply]:
        try:
            return await task
        except Exception:
            log.exception("a file could not be made")
            return [Reply(text=NOT_MADE)]

    later(rest())
    return [Reply(text=PREPARING)]
