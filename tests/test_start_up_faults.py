"""A database that refuses writes during the start-up catch-up of reminders ends the process in one line."""

from __future__ import annotations

import sqlite3

import pytest

from bot.runtime import app
from bot.runtime.scheduler import Scheduler
from bot.services.core import Core
from bot.services.reminders import ReminderService
from storage.db import UnusableDatabase


async def test_a_full_disk_in_the_start_up_catch_up_is_one_line_not_a_traceback(demo_db, settings, clock, caplog):
    core = Core(demo_db, settings, clock)
    service = ReminderService(core.ctx, {})

    async def full(now):  # what sqlite3 raises when the disk is full
        raise sqlite3.OperationalError("database or disk is full")

    service.tick = full  # type: ignore[method-assign,assignment]
    scheduler = Scheduler(service)
    try:
        with pytest.raises(UnusableDatabase, match=r"Không ghi được vào cơ sở dữ liệu .*disk is full"):
            await app.start_scheduler(scheduler, settings)
    finally:
        await scheduler.stop()
    assert not [r for r in caplog.records if r.exc_info]  # nothing logged with a traceback
