"""Peak RSS of a process that serves the province database: the bot's core answering the query mix at every
level, and a reminder plan. Run on its own (`python -m bench.memory DB`) so nothing else inflates the figure."""

from __future__ import annotations

import asyncio
import resource
import sys
from datetime import datetime
from pathlib import Path

from bench.province import VN
from bench.query_latency import QUERIES, _inbound
from bot.clock import ManualClock
from bot.config import Settings
from bot.services.core import Core
from bot.services.reminders import ReminderService
from storage import users
from storage.db import Database


async def serve(path: Path) -> None:
    db = await Database.open(path)
    clock = ManualClock(datetime(2026, 12, 15, 9, 0, tzinfo=VN))
    core = Core(db, Settings(_env_file=None, database_path=path), clock)
    try:
        for level in ("tỉnh", "huyện", "chi bộ"):
            user = await users.by_identity(db, "bench", level)
            if user is None:
                raise SystemExit("run bench.query_latency first (it creates the bench users)")
        n = 0
        for _ in range(10):
            for level in ("tỉnh", "huyện", "chi bộ"):
                for text in QUERIES.values():
                    n += 1
                    await core.handle(_inbound(level, text, n))
        await ReminderService(core.ctx, {}).plan()
    finally:
        await db.close()


def main() -> None:
    asyncio.run(serve(Path(sys.argv[1])))
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


if __name__ == "__main__":
    main()
