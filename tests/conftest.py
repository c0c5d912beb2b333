"""Shared fixtures: settings on a temporary database, a manual clock, the demo district, updates."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.runtime import demo
from storage.db import Database
from storage.migrations import migrate

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=VN)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_path=tmp_path / "ptdv.sqlite3",
        console_files_dir=tmp_path / "files",
        telegram_bot_token=None,
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(TODAY)


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = await Database.open(settings.database_path)
    await migrate(database)
    yield database
    await database.close()


@pytest.fixture
async def demo_db(db: Database, clock: ManualClock) -> Database:
    await demo.load(db, clock.now())
    return db


@pytest.fixture
async def district_db(db: Database, clock: ManualClock) -> Database:
    """The demo district as the 2021–2024 articles describe it (no 2025 re-organisation), reporting on to today:
    for tests of features that need its shape — active communes with chi bộ of their own, every khối under one
    committee — rather than of the demo itself (those use `demo_db`, the post-2025 structure)."""
    await demo.load(db, clock.now(), reorganise=False)
    return db


_ids = itertools.count(1000)


def message_update(user_id: int, text: str, *, update_id: int | None = None, name: str = "Test") -> dict[str, Any]:
    uid = update_id if update_id is not None else next(_ids)
    message: dict[str, Any] = {
        "message_id": uid,
        "date": int(TODAY.timestamp()),
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": name},
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": uid, "message": message}


def callback_update(user_id: int, data: str, message_id: int = 1, *, update_id: int | None = None) -> dict[str, Any]:
    uid = update_id if update_id is not None else next(_ids)
    return {
        "update_id": uid,
        "callback_query": {
            "id": f"cb{uid}",
            "from": {"id": user_id, "is_bot": False, "first_name": "Test"},
            "chat_instance": "x",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(TODAY.timestamp()),
                "chat": {"id": user_id, "type": "private"},
                "text": "...",
            },
        },
    }


def sticker_update(user_id: int) -> dict[str, Any]:
    uid = next(_ids)
    return {
        "update_id": uid,
        "message": {
            "message_id": uid,
            "date": int(TODAY.timestamp()),
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Test"},
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            },
        },
    }


def edited_update(user_id: int, message_id: int, text: str) -> dict[str, Any]:
    uid = next(_ids)
    return {
        "update_id": uid,
        "edited_message": {
            "message_id": message_id,
            "date": int(TODAY.timestamp()),
            "edit_date": int(TODAY.timestamp()) + 5,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Test"},
            "text": text,
        },
    }


async def counts(db) -> tuple[int, int]:
    """(submissions, pending previews) — what a message may have written."""
    subs = await db.scalar("SELECT COUNT(*) FROM submissions")
    pend = await db.scalar("SELECT COUNT(*) FROM pending")
    return int(subs), int(pend)


EVIDENCE: list[str] = []


@pytest.fixture
def evidence(request):
    """Reliability tests report their counts (kills, updates replayed, faults, messages) here; printed at the end.

    The lines travel on the test's report (`user_properties`), so they reach the summary also when the suite
    runs in several worker processes (pytest-xdist)."""
    return lambda line: request.node.user_properties.append(("evidence", line))


def pytest_runtest_logreport(report):
    if report.when == "teardown":
        EVIDENCE.extend(value for key, value in report.user_properties if key == "evidence")


def pytest_terminal_summary(terminalreporter):
    if EVIDENCE:
        terminalreporter.section("reliability evidence")
        for line in EVIDENCE:
            terminalreporter.write_line(line)
