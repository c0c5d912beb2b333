"""Peak RSS of a process that serves the province database — text questions at every level and a reminder plan
(`text`), or one Excel file at the root (`excel`). Run as its own process (`python -m bench.memory DB [text|excel]`);
the figure is the process's own high-water mark (`VmHWM` in /proc/self/status), which a fresh `exec` starts
from zero, so nothing of the parent's is counted."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bench.province import VN
from bench.query_latency import FILES, LEVELS, QUERIES, _inbound
from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.services.core import Core
from bot.services.reminders import ReminderService
from storage import users
from storage.db import Database


async def serve(path: Path, mode: str) -> None:
    db = await Database.open(path)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    core = Core(db, Settings(_env_file=None, database_path=path), clock)
    try:
        for level in LEVELS:
            if await users.by_identity(db, "bench", level) is None:
                raise SystemExit("run bench.query_latency first (it creates the bench users)")
        if mode == "excel":
            replies = await core.handle(_inbound("tỉnh", FILES["Excel"], "excel"))
            assert replies[0].attachment is not None
            return
        n = 0
        for _ in range(5):
            for level in LEVELS:
                for label, text in QUERIES.items():
                    if label == "biểu đồ":
                        continue  # text questions only
                    n += 1
                    await core.handle(_inbound(level, text, str(n)))
        await ReminderService(core.ctx, {}).plan()
    finally:
        await db.close()


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def measure(path: Path, mode: str = "text") -> float:
    """Peak RSS in MB of a fresh process doing `mode` on `path`."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(path), mode], capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main() -> None:
    asyncio.run(serve(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "text"))
    print(f"{peak_mb():.0f}")


if __name__ == "__main__":
    main()
