"""Zalo answers per second and latency through the real Zalo adapter (long polling: one update per call, the
inbox, plain-text rendering, paced sends) against the fake Zalo Bot API over HTTP, on the demo district.
Sends are not paced here (the pacer would cap them at ZALO_MAX_PER_SECOND)."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.province import VN
from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.runtime import demo
from storage.db import Database
from storage.migrations import migrate
from tests.channels import ZaloDriver, ZaloHarness

MIX = ("tiến độ", "tien do q3 2021", "đơn vị chậm tiến độ", "kết nạp 1 đảng viên", "1")


async def measure(messages: int = 200) -> tuple[float, float, float]:
    """(answers per second, p50 ms, p99 ms) for `messages` messages from the demo's people in turn."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zalo.sqlite3"
        settings = Settings(database_path=path, _env_file=None)
        clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
        db = await Database.open(path)
        try:
            await migrate(db)
            await demo.load(db, clock.now())
            async with ZaloHarness(settings, db, clock) as harness:
                chat = ZaloDriver(harness)
                people = [await chat.link(p.login) for p in demo.USERS]
                latencies = []
                started = time.perf_counter()
                for i in range(messages):
                    who = people[(i // len(MIX)) % len(people)]
                    t0 = time.perf_counter()
                    await chat.say(who, MIX[i % len(MIX)])
                    latencies.append((time.perf_counter() - t0) * 1000)
                elapsed = time.perf_counter() - started
        finally:
            await db.close()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    rate = messages / elapsed
    print(f"Zalo: {messages} tin, {rate:.1f} tin/s, p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")
    return rate, statistics.median(latencies), p99


if __name__ == "__main__":
    asyncio.run(measure())
