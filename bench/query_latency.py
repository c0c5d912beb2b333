"""Latency of progress answers on a province-sized database: the whole `Core.handle` path (parse, scope,
sums, roll-up, text) for the province root, a district and a chi bộ."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import datetime
from pathlib import Path

from bench.province import VN, Province, build
from bot.clock import ManualClock
from bot.config import Settings
from bot.messages import Inbound
from bot.services.core import Core
from storage import users
from storage.db import Database

QUERIES = {
    "tiến độ (năm nay)": "tiến độ",
    "tiến độ quý III": "tiến độ quý III",
    "chậm tiến độ": "đơn vị chậm tiến độ",
    "chưa báo cáo": "đơn vị nào chưa báo cáo quý này?",
    "cơ cấu": "cơ cấu đảng viên mới năm nay",
}


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(province: Province, runs: int = 30) -> list[tuple[str, str, float, float, float]]:
    db = await Database.open(province.path)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    core = Core(db, Settings(_env_file=None, database_path=province.path), clock)
    results = []
    try:
        async with db.transaction():
            for level, unit_id in (
                ("tỉnh", province.root_id),
                ("huyện", province.district_id),
                ("chi bộ", province.branch_id),
            ):
                uid = await users.add(db, name=f"bench {level}", role="official", unit_id=unit_id, now=clock.now())
                await users.link_identity(db, channel="bench", external_id=level, user_id=uid, now=clock.now())
        await core.handle(_inbound("tỉnh", "tiến độ", 0))  # warm the tree and name index
        n = 1
        for level in ("tỉnh", "huyện", "chi bộ"):
            for label, text in QUERIES.items():
                samples = []
                for _ in range(runs):
                    n += 1
                    started = time.perf_counter()
                    replies = await core.handle(_inbound(level, text, n))
                    samples.append((time.perf_counter() - started) * 1000)
                    assert replies and replies[0].text
                results.append(
                    (level, label, statistics.median(samples), percentile(samples, 95), percentile(samples, 99))
                )
    finally:
        await db.close()
    return results


def _inbound(sender: str, text: str, n: int) -> Inbound:
    return Inbound(
        channel="bench", update_key=f"bench:{n}", sender_id=sender, chat_id=sender, at=datetime.now(VN), text=text
    )


async def main(path: Path = Path("data/bench-province.sqlite3"), rebuild: bool = True) -> None:
    province = await build(path) if rebuild or not path.exists() else None
    assert province is not None
    print(f"Tỉnh mẫu: {province.units:,} đơn vị, {province.events:,} sự kiện, tạo trong {province.seconds:.1f} s")
    print(f"{'cấp':8} {'câu hỏi':22} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for level, label, p50, p95, p99 in await measure(province):
        print(f"{level:8} {label:22} {p50:8.1f} {p95:8.1f} {p99:8.1f}")


if __name__ == "__main__":
    asyncio.run(main())
