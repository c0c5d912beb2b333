"""Issue 13, what a new user tripped over (second round): no English reaching a user, codes that never start
with "-", one answer per question, pages that say which page, a typed confirmation for the latest preview."""

from __future__ import annotations

import re

import pytest

from bot.services import reminder_controls
from bot.services.core import Core
from bot.services.reminders import ReminderService
from storage import users

ENGLISH = re.compile(
    r"\b(should|must|input|value|error|invalid|range|day is|hour|month|out of|not known|file is)\b", re.I
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("han 35", "/nhacnho han 20"),
        ("gio 25:00", "/nhacnho gio 08:00"),
        ("gio 08:75", "/nhacnho gio 08:00"),
        ("nghi 31/02/2026", "/nhacnho nghi 02/09/2026"),
        ("dungsai 300", "/nhacnho dungsai 10"),
        ("truoc 40", "/nhacnho truoc 5 1"),
    ],
)
async def test_calendar_edits_are_refused_in_vietnamese_with_an_example(settings, demo_db, clock, args, expected):
    core = Core(demo_db, settings, clock)
    service = ReminderService(core.ctx, {})
    before = await service.calendar()
    binh = await users.by_login(demo_db, "binh")
    [reply] = await reminder_controls.control(core.ctx, service, binh, args)
    first = reply.text.split("\n\nCách dùng")[0]
    assert first.startswith("Chưa sửa được lịch:") and "Chưa thay đổi gì." in first
    assert f"Ví dụ: {expected}" in first
    assert not ENGLISH.search(first), first
    assert await service.calendar() == before
