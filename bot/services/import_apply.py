"""Applying a confirmed import off the event loop (issue 14, item 11).

A confirmed file of up to `IMPORT_MAX_ROWS` rows is written by a worker thread with its own SQLite connection to
the same WAL database, in ONE write transaction: the rows, and the pending preview marked "confirmed". So

- the event loop keeps answering everyone else meanwhile (they read the last committed state; a write of theirs
  waits, asleep, for the import's transaction, as it would for another process);
- all or nothing: a failure, the time limit (`IMPORT_APPLY_TIME_LIMIT`) or a crash rolls everything back, the
  preview stays open and the importer can press "Xác nhận" again;
- exactly once: the preview is re-read inside that transaction (a second press or a redelivered update that
  waited for the first one's lock finds it confirmed), and in this process a press while the file is being
  written is answered "đang ghi" without starting a second job;
- the importer is told "Đang ghi … / … dòng" while it runs and gets the summary at the end, through the
  channel's notifier (the way reminders are sent) when the channel can send on its own (`ctx.background`);
  otherwise the confirming update waits for the result (still off the loop).
"""

from __future__ import annotations

import asyncio
import base64
import gc
import logging
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.domain.messages import Reply
from bot.domain.payloads import Action, ImportPayload, Status
from bot.domain.textfmt import num
from bot.importing.reader import FileRefused, ImportFile, Problem
from bot.present.replies import confirmations as texts
from bot.present.replies import imports as said
from bot.services import imports
from bot.services.context import Context
from storage import pending, units, users
from storage.db import Database, OperationalError
from storage.pending import Pending

log = logging.getLogger(__name__)

STARTED = said.STARTED
PROGRESS = said.PROGRESS
BUSY = said.BUSY
TOO_SLOW = said.TOO_SLOW
FAILED = said.FAILED
PROGRESS_EVERY = 10_000  # rows between two progress messages (at most PROGRESS_MESSAGES of them)
PROGRESS_MESSAGES = 9
CACHE_KIB = 65_536  # the worker's page cache: a large import touches many index pages

_applying: set[tuple[str, int]] = set()  # (database, pending id) being written by this process

# Called by the worker thread at each step (phase "plan" — before the write lock, done = 0 — or "write"; rows
# done, total, cancel event): a test's way to hold a running apply at a known point (never set in production).
step_hook: Callable[[str, int, int, threading.Event], None] | None = None


Step = Callable[[str, int], None]


class Stopped(Exception):
    """The time limit passed: the worker stops at its next step and rolls back."""


@dataclass
class _Run:
    total: int
    cancel: threading.Event = field(default_factory=threading.Event)
    db: Database | None = None  # the worker's connection, to interrupt a long statement


def _payload(p: Pending) -> ImportPayload:
    assert isinstance(p.payload, ImportPayload), p.payload  # the engine calls this for import previews only
    return p.payload


def start(ctx: Context, p: Pending) -> Callable[[str | None], Awaitable[list[Reply]]]:
    """The job `reporting.confirm` runs, outside its transaction, for a confirmed import preview."""

    async def job(update_key: str | None) -> list[Reply]:
        name = _payload(p).name
        key = (str(ctx.db.path), p.id)
        if key in _applying:
            return [Reply(text=BUSY.format(name=name))]
        background = ctx.background
        if background is None or not background.can_send(p.channel):
            _applying.add(key)
            try:
                return [Reply(text=await _apply(ctx, p, update_key, None))]
            finally:
                _applying.discard(key)

        async def send(text: str) -> None:
            await background.send(p.channel, p.chat_id, Reply(text=text))

        async def run() -> None:
            try:
                text = await _apply(ctx, p, update_key, send)
            except Exception:
                log.exception("applying import %s failed", name)
                text = FAILED.format(name=name)
            finally:
                _applying.discard(key)
            await send(text)

        _applying.add(key)
        background.start(run())
        rows = _payload(p).rows
        return [Reply(text=STARTED.format(name=name, rows=num(rows) if isinstance(rows, int) else "…"))]

    return job


async def _apply(
    ctx: Context, p: Pending, update_key: str | None, send: Callable[[str], Awaitable[None]] | None
) -> str:
    """Read the file again (in the reading worker process), then write it in a thread; the final text."""
    name = _payload(p).name
    try:
        data = await imports.read(ctx.settings, name, base64.b64decode(_payload(p).content), imports.CHAT_FILE_LIMIT)
    except FileRefused as exc:  # the caps may have been lowered since the preview
        return said.not_imported(name, exc)
    # The file's rows live until the end: the collector need not walk them again and again (its passes, made by
    # whichever thread allocates, held the loop for 0.2–0.7 s at 100,000 rows).
    gc.freeze()
    try:
        return await _apply_read(ctx, p, update_key, send, data)
    finally:
        gc.unfreeze()


async def _apply_read(
    ctx: Context, p: Pending, update_key: str | None, send: Callable[[str], Awaitable[None]] | None, data: ImportFile
) -> str:
    """Write the file's rows in a worker thread within the time limit, telling the importer how far it got."""
    name = _payload(p).name
    run = _Run(total=data.rows)
    loop = asyncio.get_running_loop()
    progress: asyncio.Queue[int | None] = asyncio.Queue()
    every = max(PROGRESS_EVERY, run.total // (PROGRESS_MESSAGES + 1))

    told = 0  # progress messages asked for so far

    def step(phase: str, done: int) -> None:  # in the worker thread
        nonlocal told
        if run.cancel.is_set():
            raise Stopped
        if step_hook is not None:
            step_hook(phase, done, run.total, run.cancel)
            if run.cancel.is_set():
                raise Stopped
        if send is not None and phase == "write" and done < run.total and done // every > told:
            told = done // every
            loop.call_soon_threadsafe(progress.put_nowait, done)

    async def tell() -> None:  # one sender, so the messages arrive in order
        while (done := await progress.get()) is not None:
            assert send is not None
            await send(PROGRESS.format(name=name, done=num(done), rows=num(run.total)))

    if str(ctx.db.path) == ":memory:":  # no second connection to a memory database: written here, on the loop
        return await _write(ctx.db, ctx, data, p, update_key, run, step)
    teller = asyncio.create_task(tell())
    work = loop.run_in_executor(None, _work, ctx, data, p, update_key, run, step)
    limit = ctx.settings.import_apply_time_limit
    try:
        return await asyncio.wait_for(asyncio.shield(work), limit)
    except TimeoutError:
        run.cancel.set()
        if run.db is not None:
            run.db.interrupt()  # a long statement stops too
        try:
            return await work  # it committed just as the limit passed
        except (Stopped, OperationalError):  # rolled back before anyone is told
            log.warning("applying %s took longer than %.0f s: stopped and rolled back", name, limit)
            return TOO_SLOW.format(name=name, seconds=f"{limit:g}".replace(".", ","))
    finally:
        progress.put_nowait(None)
        await teller


async def check_off_loop(ctx: Context, data: ImportFile) -> list[Problem]:
    """`imports.check` for a preview, in a thread with its own connection (a large file's checks take seconds)."""
    if str(ctx.db.path) == ":memory:":
        return await imports.check(ctx, data)

    async def checked() -> list[Problem]:
        db = await Database.open(ctx.db.path)
        try:
            return await imports.check(Context(db, ctx.settings, ctx.clock), data)
        finally:
            await db.close()

    return await asyncio.to_thread(asyncio.run, checked())


def _work(ctx: Context, data: ImportFile, p: Pending, update_key: str | None, run: _Run, step: Step) -> str:
    """The worker thread: its own event loop and connection, one transaction."""

    async def write() -> str:
        db = await Database.open(ctx.db.path)
        run.db = db
        try:
            db.connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            return await _write(db, Context(db, ctx.settings, ctx.clock), data, p, update_key, run, step)
        finally:
            run.db = None
            await db.close()

    return asyncio.run(write())


async def _write(
    db: Database, own: Context, data: ImportFile, p: Pending, update_key: str | None, run: _Run, step: Step
) -> str:
    """Check and work out the rows without the write lock (the long part), then write them in one transaction
    that also marks the preview confirmed, checking again there whatever may have changed meanwhile."""
    name = _payload(p).name
    problems = await imports.check(own, data)  # the database may have changed since the preview
    checked = await units.version(db)
    planned = await imports.plan(own, data, name, lambda done: step("plan", done), p.user_id)
    async with db.transaction():
        current = await pending.by_token(db, p.token)  # inside the write lock: a second press waited here
        if current is None or current.status is not Status.OPEN:
            if current is not None and current.status is Status.CONFIRMED:
                return texts.already_saved(Action.IMPORT)
            return texts.ALREADY_CANCELLED
        actor = await users.get(db, p.user_id)  # the actor now, in the writing transaction
        roots = (await own.tree()).roots
        if actor is None or not actor.active or not actor.is_official or actor.unit_id not in roots:
            await pending.resolve(db, p.id, Status.CANCELLED, own.now(), resolved_by=update_key)
            return f"{said.IMPORT_ROOT_ONLY}\n{said.NOTHING_SAVED}"
        if await units.version(db) != checked:  # the tree changed while the rows were worked out
            problems = await imports.check(own, data)
        if problems:
            await pending.resolve(db, p.id, Status.CANCELLED, own.now(), resolved_by=update_key)
            return imports.problems_text(problems)
        summary = await imports.apply(own, data, actor.id, name, lambda done: step("write", done), planned)
        await pending.resolve(db, p.id, Status.CONFIRMED, own.now(), resolved_by=update_key)
    return said.imported(name, summary.text())
