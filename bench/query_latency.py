"""Latency of every question kind on a province-sized database, as the live bot meets it: each question goes through
the inbox (stored, claimed, handled by `Core.handle`, marked done — so the database commits between questions, as
it does in the running bot), for the province root, a district and a chi bộ. Charts and Excel files are rows too;
Excel also reports the peak memory of building it (tracemalloc)."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.province import VN, Province, ensure
from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.messages import Inbound
from bot.domain.periods import Period
from bot.services.core import Core
from handlers.inbox_pump import InboxPump
from storage import submissions, users
from storage.db import Database

QUERIES = {
    "tiến độ (năm nay)": "tiến độ",
    "tiến độ quý III": "tiến độ quý III",
    "chậm tiến độ": "đơn vị chậm tiến độ",
    "chưa báo cáo": "đơn vị nào chưa báo cáo quý này?",
    "cơ cấu": "cơ cấu đảng viên mới năm nay",
    "nguồn": "nguồn phát triển đảng",
    "rà soát": "rà soát đảng viên năm nay",
    "xếp hạng": "xếp hạng các đơn vị",
    "so cùng kỳ": "so với cùng kỳ năm trước",
    "biểu đồ": "biểu đồ tiến độ",
}
FILES = {"Excel": "xuất báo cáo năm nay"}
LEVELS = ("tỉnh", "huyện", "chi bộ")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class LiveAsker:
    """Questions through an inbox, as the running bot handles them."""

    def __init__(self, db: Database, core: Core, clock: ManualClock) -> None:
        self.core = core
        self.n = 0
        self.replies: list[Any] = []
        self.pump = InboxPump(db, "bench", clock, self._process, key=lambda p: p["key"])

    async def _process(self, key: str, payload: dict[str, Any]) -> str | None:
        self.replies = await self.core.handle(_inbound(payload["level"], payload["text"], key))
        return None

    async def ask(self, level: str, text: str) -> float:
        """Milliseconds from the update's arrival to its answer."""
        self.n += 1
        started = time.perf_counter()
        await self.pump.ingest([{"key": f"q{self.n}-{time.monotonic_ns()}", "level": level, "text": text}])
        await self.pump.drain()
        elapsed = (time.perf_counter() - started) * 1000
        assert self.replies and self.replies[0].text, text
        return elapsed


async def _bench_users(db: Database, province: Province, now: datetime) -> None:
    async with db.transaction():
        for level, unit_id in (
            ("tỉnh", province.root_id),
            ("huyện", province.district_id),
            ("chi bộ", province.branch_id),
        ):
            if await users.by_identity(db, "bench", level) is None:
                uid = await users.add(db, name=f"bench {level}", role="official", unit_id=unit_id, now=now)
                await users.link_identity(db, channel="bench", external_id=level, user_id=uid, now=now)


async def measure(
    province: Province,
    runs: int = 30,
    file_runs: int = 3,
    levels: tuple[str, ...] = LEVELS,
    only: tuple[str, ...] | None = None,
) -> list[tuple[str, str, float, float, float]]:
    """(level, question, p50, p95, p99) in ms; the first answer after opening the database is its own row."""
    db = await Database.open(province.path)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    core = Core(db, Settings(_env_file=None, database_path=province.path), clock)
    results = []
    try:
        await _bench_users(db, province, clock.now())
        asker = LiveAsker(db, core, clock)
        started = time.perf_counter()
        await core.ctx.ready()  # what `ptdv run` does at start: the tree and both name indexes
        start = (time.perf_counter() - started) * 1000
        results.append(("tỉnh", "khởi động", start, start, start))
        first = await asker.ask("tỉnh", "tiến độ huyện Mẫu 3")
        results.append(("tỉnh", "câu đầu tiên", first, first, first))
        for level in levels:
            for label, text in {**QUERIES, **FILES}.items():
                if only is not None and label not in only:
                    continue
                samples = [await asker.ask(level, text) for _ in range(file_runs if label in FILES else runs)]
                if label == "biểu đồ":  # the first is drawn, the others come from the cache (same data version)
                    results.append((level, "biểu đồ (lần đầu)", samples[0], samples[0], samples[0]))
                    samples = samples[1:]
                results.append(
                    (level, label, statistics.median(samples), percentile(samples, 95), percentile(samples, 99))
                )
    finally:
        await db.close()
    return results


async def during_file(
    province: Province, question: str = "tiến độ", level: str = "chi bộ"
) -> tuple[float, list[float]]:
    """(seconds the root Excel took, latencies in ms of `question` asked again and again meanwhile): the workbook is
    read and written off the event loop, so the others' answers should not wait for it."""
    db = await Database.open(province.path)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    core = Core(db, Settings(_env_file=None, database_path=province.path), clock)
    try:
        await _bench_users(db, province, clock.now())
        await core.ctx.ready()
        started = time.perf_counter()
        excel = asyncio.ensure_future(core.handle(_inbound("tỉnh", FILES["Excel"], "file")))
        samples: list[float] = []
        n = 0
        while not excel.done():
            n += 1
            t = time.perf_counter()
            await core.handle(_inbound(level, question, f"during-{n}"))
            samples.append((time.perf_counter() - t) * 1000)
            await asyncio.sleep(0.01)
        assert (await excel)[0].attachment is not None
        return time.perf_counter() - started, samples
    finally:
        await db.close()


CHANGES = {  # the data change made before each question: a new report, so no kept set or answer can be used
    "chưa báo cáo": ("admission", {"admitted": 1}),
    "nguồn": ("pipeline", {"pool": 9, "certified": 2, "planned_class": 1}),
}


async def after_change(province: Province, runs: int = 15) -> list[tuple[str, str, float, float, float]]:
    """(level, question, p50, p95, p99) in ms of the first answer after a data change at the province root: before
    each question a chi bộ's report is stored (another transaction, as a report from the chat would be), so the
    question computes from the rollups rather than from an answer kept for the data version. The nguồn report
    is of the period the province's snapshots are of (quarter I), as a chi bộ's repeated report would be."""
    db = await Database.open(province.path)
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    core = Core(db, Settings(_env_file=None, database_path=province.path), clock)
    results = []
    try:
        await _bench_users(db, province, clock.now())
        asker = LiveAsker(db, core, clock)
        await core.ctx.ready()
        await asker.ask("tỉnh", "tiến độ")
        for label, (kind, figures) in CHANGES.items():
            samples = []
            for _ in range(runs):
                async with db.transaction():
                    await submissions.append(
                        db,
                        unit_id=province.branch_id,
                        kind=kind,
                        period=Period.quarter(2026, 1 if kind == "pipeline" else 4),
                        figures=figures,
                        now=clock.now(),
                        actor=None,
                        channel="bench",
                    )
                samples.append(await asker.ask("tỉnh", QUERIES[label]))
            results.append(
                (
                    "tỉnh",
                    f"{label} (sau thay đổi)",
                    statistics.median(samples),
                    percentile(samples, 95),
                    percentile(samples, 99),
                )
            )
    finally:
        await db.close()
    return results


def _inbound(sender: str, text: str, key: str) -> Inbound:
    return Inbound(
        channel="bench", update_key=f"bench:{key}", sender_id=sender, chat_id=sender, at=datetime.now(VN), text=text
    )


def print_rows(units: int, rows: list[tuple[str, str, float, float, float]]) -> None:
    for level, label, p50, p95, p99 in rows:
        print(f"  {units:>6,} đv {level:7} {label:20} p50 {p50:7.1f}  p95 {p95:7.1f}  p99 {p99:7.1f} ms")


async def main(path: Path = Path("data/bench-province.sqlite3")) -> None:
    province = await ensure(path)
    print_rows(province.units, await measure(province))


async def main_after_change(path: Path = Path("data/bench-province-60k.sqlite3")) -> None:
    from bench.province import Shape

    province = await ensure(path, Shape(branches=100, years=1))
    print_rows(province.units, await after_change(province))


if __name__ == "__main__":
    import sys

    asyncio.run(main_after_change() if "--after-change" in sys.argv else main())
