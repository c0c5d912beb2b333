"""The schedule: one APScheduler job that runs the reminder service every few minutes.

What is due is derived from the calendar in the database (see `bot.domain.calendar` and `bot.domain.planner`), not from
jobs kept in memory, so the schedule survives restarts: on start-up one run goes out at once and sends
whatever fell due while the bot was down, within the calendar's grace window; older sends are logged as
missed. APScheduler's own misfire grace (one second by default) is set deliberately, and overlapping runs
are coalesced; two processes coordinate through the `scheduler_runs` table and the reminder log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from datetime import datetime, tzinfo
from pathlib import Path

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.services.reminders import Outcome, ReminderService
from storage import backup, file_links
from storage import reminders as log_store

log = logging.getLogger(__name__)

TICK_JOB = "reminders"
BACKUP_JOB = "backup"


class Scheduler:
    def __init__(self, service: ReminderService, *, every_minutes: int = 15, misfire_grace_seconds: int = 600) -> None:
        self.service = service
        self.every_minutes = every_minutes
        self.misfire_grace_seconds = misfire_grace_seconds
        self._scheduler: AsyncIOScheduler | None = None
        self._backup: tuple[Path, Path, int, CronTrigger] | None = None

    @property
    def tz(self) -> tzinfo:
        return self.service.ctx.clock.tz

    def trigger(self) -> CronTrigger:
        return CronTrigger(minute=f"*/{self.every_minutes}", timezone=self.tz)

    async def start(self) -> Outcome:
        self._scheduler = AsyncIOScheduler(timezone=self.tz)
        self._scheduler.add_job(
            self.run,
            self.trigger(),
            id=TICK_JOB,
            misfire_grace_time=self.misfire_grace_seconds,
            coalesce=True,
            max_instances=1,
        )
        if self._backup is not None:
            self._scheduler.add_job(
                self.backup_now, self._backup[3], id=BACKUP_JOB, misfire_grace_time=3600, coalesce=True, max_instances=1
            )
        self._scheduler.start()
        return await self.run(startup=True)  # catch up on anything due while the bot was down

    def add_daily_backup(self, database: Path, folder: Path, keep: int, at: str) -> None:
        """A daily online backup with retention, in the same scheduler (call before `start`)."""
        hour, minute = (int(x) for x in at.split(":"))
        self._backup = (database, folder, keep, CronTrigger(hour=hour, minute=minute, timezone=self.tz))

    async def backup_now(self) -> Path | None:
        if self._backup is None:
            return None
        database, folder, keep, _ = self._backup
        path = await asyncio.to_thread(backup.backup, database, folder, self.service.ctx.now(), keep)
        log.info("backup written to %s", path)
        return path

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def job(self, job_id: str) -> Job | None:
        """The scheduled job with this id while the scheduler runs (None when stopped or not scheduled)."""
        return None if self._scheduler is None else self._scheduler.get_job(job_id)

    def slot(self, now: datetime) -> datetime:
        """The scheduled time a run at `now` stands for (the tick it belongs to)."""
        minute = now.minute - now.minute % self.every_minutes
        return now.replace(minute=minute, second=0, microsecond=0)

    async def run(self, startup: bool = False) -> Outcome:
        now = self.service.ctx.now()
        slot = self.slot(now)
        db = self.service.ctx.db
        if not startup and not await log_store.start_run(db, TICK_JOB, slot, now):
            return Outcome(details=["already run"])  # another process took this tick
        try:
            outcome = await self.service.tick(now)
        except sqlite3.Error as exc:
            if startup:  # the caller ends the process with one line (a full disk, a read-only file)
                raise
            log.error("reminder run failed: the database refused a write (%s)", exc)
            with contextlib.suppress(sqlite3.Error):  # the same full disk may refuse this one too
                await log_store.finish_run(db, TICK_JOB, slot, self.service.ctx.now(), "error")
            raise
        except Exception:
            log.exception("reminder run failed")
            if not startup:
                await log_store.finish_run(db, TICK_JOB, slot, self.service.ctx.now(), "error")
            raise
        summary = (
            f"sent={outcome.sent} deferred={outcome.deferred} blocked={outcome.blocked} "
            f"failed={outcome.failed} uncertain={outcome.uncertain} missed={outcome.missed} "
            f"quiet={outcome.skipped_quiet} "
            f"paused={outcome.paused} held={outcome.held}"
        )
        if not startup:
            await log_store.finish_run(db, TICK_JOB, slot, self.service.ctx.now(), summary)
        await file_links.purge(db, now)  # expired chart and Excel links
        if outcome.sent or outcome.missed or outcome.failed or outcome.uncertain:
            log.info("reminder run at %s: %s", slot, summary)
        return outcome
