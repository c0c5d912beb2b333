"""Backups: an online copy verified by an integrity check, restore, retention, and the daily job."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest

from bot.cli import main
from storage import backup
from tests.conftest import VN


def test_backup_and_restore_round_trip(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "data" / "ptdv.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(db))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(db))
    monkeypatch.setenv("BACKUP_DIR", str(tmp_path / "backups"))
    assert main(["setup", "--demo"]) == 0
    before = backup.row_counts(db)
    assert main(["backup"]) == 0
    copy = next((tmp_path / "backups").glob("ptdv-*.sqlite3"))
    assert backup.integrity(copy) == "ok" and backup.row_counts(copy) == before
    with sqlite3.connect(db) as conn:  # damage the live data after the backup
        conn.execute("DROP TRIGGER submissions_no_delete")
        conn.execute("DELETE FROM submissions")
    assert backup.row_counts(db)["submissions"] == 0
    capsys.readouterr()
    assert main(["restore", str(copy)]) == 0
    assert "Đã khôi phục" in capsys.readouterr().out
    assert backup.row_counts(db) == before
    assert backup.integrity(db) == "ok"


def test_a_corrupt_file_is_not_restored(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200 + b"garbage" * 100)
    assert main(["restore", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "không phải bản sao lưu hợp lệ" in err and "\n" not in err.strip()
    assert not (tmp_path / "db.sqlite3").exists()


def test_retention_keeps_the_newest(tmp_path):
    db = tmp_path / "db.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE schema_migrations (version INTEGER)")
    start = datetime(2026, 11, 1, 2, 30, tzinfo=VN)
    for day in range(20):
        backup.backup(db, tmp_path / "b", start + timedelta(days=day), keep=14)
    kept = sorted(p.name for p in (tmp_path / "b").glob("ptdv-*.sqlite3"))
    assert len(kept) == 14 and kept[0] == "ptdv-20261107-023000.sqlite3"


async def test_daily_backup_job(settings, demo_db, clock, tmp_path):
    from bot.runtime.scheduler import BACKUP_JOB, Scheduler
    from bot.services.core import Core
    from bot.services.reminders import ReminderService

    core = Core(demo_db, settings, clock)
    scheduler = Scheduler(ReminderService(core.ctx, {}))
    scheduler.add_daily_backup(settings.database_path, tmp_path / "daily", 3, "02:30")
    await scheduler.start()
    try:
        job = scheduler.job(BACKUP_JOB)
        assert job is not None and str(job.trigger).startswith("cron[hour='2', minute='30'")
        path = await scheduler.backup_now()
    finally:
        await scheduler.stop()
    assert path is not None and backup.integrity(path) == "ok"


def test_backup_time_must_be_a_time(monkeypatch, tmp_path):
    from bot.config import ConfigError, load_settings

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BACKUP_TIME", "25:00")
    with pytest.raises(ConfigError, match="BACKUP_TIME"):
        load_settings()
