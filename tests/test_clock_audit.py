"""Nothing reads the wall clock behind the injected clock's back (bot/domain/clock.py).

A static scan of the project's code for the ways Python and SQLite read the date or time; the few places that
legitimately do are listed with their reason. `make test` also runs the suite under libfaketime a year ahead and
a year behind (see the Makefile), which catches what a scan cannot.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "tests")

WALL_CLOCK = re.compile(
    r"datetime\.now\(|datetime\.utcnow\(|datetime\.today\(|date\.today\(|\btime\.time\(|\btime\.localtime\("
    r"|\btime\.gmtime\(|datetime\('now'|date\('now'|CURRENT_TIMESTAMP|CURRENT_DATE|CURRENT_TIME\b",
    re.IGNORECASE,
)

ALLOWED = {
    # The one real clock, handed to everything else.
    "bot/domain/clock.py": "SystemClock.now",
    # Fake chat platforms stamp messages as the platform's server would; the bot never uses that stamp for
    # periods, expiry or scheduling (it reads its own clock).
    "handlers/local_api.py": "local Telegram Bot API stand-in",
    "handlers/zalo_local.py": "local Zalo Bot API stand-in",
    # Schema bookkeeping (when a migration ran), not business data.
    "storage/migrations.py": "schema_migrations.applied_at",
    # APScheduler fires on the wall clock; these tests check that it does.
    "tests/test_scheduler_controls.py": "APScheduler's own timing",
    "tests/test_clock_audit.py": "this scan",
}


def _offences() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix not in (".py", ".sql") or "__pycache__" in path.parts:
                continue
            rel = path.relative_to(ROOT).as_posix()
            if rel in ALLOWED:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if WALL_CLOCK.search(line):
                    found.append(f"{rel}:{number}: {line.strip()}")
    return found


def test_no_wall_clock_reads_outside_the_clock():
    assert _offences() == []


def test_the_scan_catches_each_form():
    for line in (
        "x = datetime.now(tz)",
        "d = date.today()",
        "t = time.time()",
        "sql = \"INSERT ... VALUES (datetime('now'))\"",
        "created_at TEXT DEFAULT CURRENT_TIMESTAMP",
    ):
        assert WALL_CLOCK.search(line), line
    assert not WALL_CLOCK.search("now = ctx.now(); today = ctx.today(); time.monotonic()")


def test_report_detection_takes_the_day_it_is_given():
    from datetime import date

    from bot.language.reports import looks_like_report

    assert looks_like_report("nguon 15 nam 2021", date(2026, 11, 23))
    assert not looks_like_report("nguon nam 2021", date(2026, 11, 23))
