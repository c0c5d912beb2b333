"""Online backups of the SQLite database (the backup API, safe while the bot runs), verified by an integrity
check; restore; retention."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

PATTERN = "ptdv-*.sqlite3"


class BackupError(Exception):
    """One line for the operator."""


# SQLite's own (English) reasons a file cannot be read, in Vietnamese.
_SQLITE_REASONS = (
    ("file is not a database", "tệp không phải cơ sở dữ liệu SQLite"),
    ("malformed", "cơ sở dữ liệu bị hỏng"),
    ("no such table: schema_migrations", "không phải cơ sở dữ liệu của PTĐV Bot (thiếu bảng schema_migrations)"),
    ("unable to open", "không mở được tệp"),
    ("disk i/o error", "lỗi đọc đĩa"),
)


def _sqlite_reason(exc: sqlite3.DatabaseError) -> str:
    text = str(exc).lower()
    for english, vietnamese in _SQLITE_REASONS:
        if english in text:
            return vietnamese
    return f"SQLite không đọc được tệp ({exc})"


def integrity(path: Path) -> str:
    """ "ok", or (in Vietnamese) what is wrong with the file by SQLite's integrity check."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            conn.execute("SELECT COUNT(*) FROM schema_migrations").fetchone()
    except sqlite3.DatabaseError as exc:
        return _sqlite_reason(exc)
    return "ok" if rows == [("ok",)] else "cơ sở dữ liệu bị hỏng: " + "; ".join(r[0] for r in rows[:5])


def row_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def backup(database: Path, folder: Path, now: datetime, keep: int = 14) -> Path:
    """Copy the live database to `folder/ptdv-YYYYmmdd-HHMMSS.sqlite3`, verify it, prune to `keep` files."""
    if not database.exists():
        raise BackupError(f"Không có cơ sở dữ liệu {database}.")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"ptdv-{now:%Y%m%d-%H%M%S}.sqlite3"
    partial = target.with_suffix(".partial")
    with sqlite3.connect(database) as source, sqlite3.connect(partial) as copy:
        source.backup(copy)
    status = integrity(partial)
    if status != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"Bản sao lưu không toàn vẹn: {status}")
    partial.replace(target)
    prune(folder, keep)
    return target


def restore_hint(database: Path, folder: Path) -> str:
    """How to get going again from a damaged database file: the latest backup, named."""
    files = sorted(folder.glob(PATTERN)) if folder.is_dir() else []
    if not files:
        return (
            f"Chưa có bản sao lưu nào trong {folder}: chuyển {database} đi chỗ khác rồi chạy `ptdv setup` để tạo mới."
        )
    return f"Dừng bot, giữ lại tệp hỏng rồi khôi phục bản sao lưu gần nhất: `ptdv restore {files[-1]}`."


def prune(folder: Path, keep: int) -> list[Path]:
    files = sorted(folder.glob(PATTERN))
    removed = files[: max(0, len(files) - keep)]
    for old in removed:
        old.unlink()
    return removed


def restore(source: Path, database: Path) -> dict[str, int]:
    """Replace the database with a verified backup (stop the bot first). Returns the restored row counts."""
    if not source.exists():
        raise BackupError(f"Không có tệp {source}.")
    status = integrity(source)
    if status != "ok":
        raise BackupError(f"Tệp {source} không phải bản sao lưu hợp lệ: {status}")
    database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(database) as dst:
        src.backup(dst)
    return row_counts(database)
