"""A fixed "today" for the console and the command line (issue 15): `--today 2026-10-31` moves the injected
clock, so a conversation can be replayed and relative periods ("tháng trước", "năm nay") checked on any date."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.clock import ManualClock, OffsetClock

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_offset_clock_starts_on_the_day_given_and_time_goes_on():
    base = ManualClock(datetime(2027, 5, 9, 14, 30, tzinfo=VN))
    clock = OffsetClock(VN, date(2026, 10, 31), base)
    assert clock.now() == datetime(2026, 10, 31, 14, 30, tzinfo=VN)
    base.advance(hours=10)
    assert clock.now() == datetime(2026, 10, 31, 14, 30, tzinfo=VN) + timedelta(hours=10)


def _ptdv(tmp_path, *args: str, text: str = "") -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=text,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_console_reads_relative_periods_on_the_day_given(tmp_path):
    run = _ptdv(tmp_path, "console", "--demo", "--today", "2026-03-15", text="tiến độ tháng trước\n")
    assert run.returncode == 0, run.stderr
    assert "2/2026" in run.stdout, run.stdout


def test_a_day_that_is_no_date_is_refused_in_vietnamese(tmp_path):
    run = _ptdv(tmp_path, "console", "--today", "2026-13-01")
    assert run.returncode == 2
    assert "không phải là ngày" in run.stderr
