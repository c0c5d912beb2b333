"""The reporting calendar as stored (one setting), and its audited updates."""

from __future__ import annotations

from datetime import datetime

from bot.domain.calendar import Calendar
from storage import audit, reminders
from storage.db import Database


async def load(db: Database) -> Calendar:
    stored = await reminders.load_setting(db, reminders.CALENDAR_KEY)
    return Calendar.model_validate(stored or {})


async def save(db: Database, calendar: Calendar, by: int | None, now: datetime) -> None:
    by = by or None  # the command line (user 0) acts as nobody in particular
    before = await reminders.load_setting(db, reminders.CALENDAR_KEY)
    async with db.transaction():
        await reminders.save_setting(db, reminders.CALENDAR_KEY, calendar.model_dump(mode="json"), now, by)
        await audit.record(
            db,
            action="calendar.update",
            entity="settings",
            entity_id="calendar",
            now=now,
            actor=by,
            before=before,
            after=calendar.model_dump(mode="json"),
        )
