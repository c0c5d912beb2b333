"""A 100,000-row import confirmed by chat, measured (`python -m bench.import_apply [ROWS]`): how long it takes from
the confirmation to the summary, how long the write transaction holds the database, and how the event loop answers
meanwhile — a loop-lag probe every 10 ms, and another official's "tiến độ" asked over and over while it runs.

The data: the demo district with one more đảng bộ cơ sở of 500 chi bộ, and ROWS monthly reports for them (the
whole file through the real path: the reading worker process, the preview, "Xác nhận", the apply worker)."""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.messages import Inbound, InboundKind, Reply
from bot.runtime import demo
from bot.services import confirmations, import_apply
from bot.services.core import Core
from bot.services.reminders import Delivery, ReminderService
from storage import pending, units, users
from storage.db import Database
from storage.migrations import migrate

VN = ZoneInfo("Asia/Ho_Chi_Minh")
BRANCHES = 500


class Log:
    def __init__(self) -> None:
        self.sent: list[tuple[float, str]] = []
        self.done = asyncio.Event()

    async def deliver(self, chat_id: str, reply: Reply) -> Delivery:
        self.sent.append((time.perf_counter(), reply.text))
        if reply.text.startswith(("Đã nhập", "Xin lỗi", "Ghi tệp")):
            self.done.set()
        return Delivery.SENT

    async def quota(self) -> None:
        return None


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        return int(next(x for x in status if x.startswith("VmHWM:")).split()[1]) / 1024


async def main(rows: int) -> None:
    folder = Path(tempfile.mkdtemp())
    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=VN))
    settings = Settings(_env_file=None, database_path=folder / "bench.sqlite3", telegram_bot_token=None)
    db = await Database.open(settings.database_path)
    await migrate(db)
    await demo.load(db, clock.now())
    root = await db.scalar("SELECT id FROM units WHERE parent_id IS NULL")
    async with db.transaction():
        big = await units.add(
            db, code="BIG", name="Đảng bộ Lớn", short_name="Lớn", kind="co_so", parent_id=root, now=clock.now()
        )
        for i in range(BRANCHES):
            await units.add(
                db,
                code=f"B{i:03}",
                name=f"Chi bộ {i}",
                short_name=f"CB {i}",
                kind="chi_bo",
                parent_id=big,
                now=clock.now(),
            )
        await units.bump_version(db, clock.now())
        for login, tid in (("binh", "1"), ("ngoc", "2")):
            user = await users.by_login(db, login)
            assert user is not None
            await users.link_identity(
                db, channel="bench", external_id=tid, user_id=user.id, chat_id=tid, now=clock.now()
            )
    lines = ["Mã đơn vị,Kỳ,Kết nạp,Nữ"]
    for i in range(rows):
        month = i // BRANCHES
        lines.append(f"B{i % BRANCHES:03},T{month % 12 + 1}/{1990 + month // 12},{i % 4 + 1},{i % 2}")
    content = "\n".join(lines).encode()
    log = Log()
    core = Core(db, settings, clock)
    core.reminders = ReminderService(core.ctx, {"bench": log})
    n = iter(range(10**9))

    def inbound(sender: str, **fields: object) -> Inbound:
        return Inbound(
            channel="bench", update_key=f"bench:{next(n)}", sender_id=sender, chat_id=sender, at=clock.now(), **fields
        )

    started = time.perf_counter()
    await core.handle(inbound("1", kind=InboundKind.FILE, file_name="lon.csv", file_bytes=content))
    await core.drain_background()
    print(f"{rows:,} dòng, {len(content) / 1_048_576:.1f} MB: preview after {time.perf_counter() - started:.1f} s")
    binh = await users.by_login(db, "binh")
    assert binh is not None
    p = await pending.latest_open(db, binh.id)
    assert p is not None, log.sent[-1]

    phases: dict[str, float] = {}

    def hook(phase: str, done: int, total: int, cancel: threading.Event) -> None:
        phases.setdefault(phase, time.perf_counter())

    import_apply.step_hook = hook
    lags: list[float] = []
    slow: list[tuple[float, float]] = []
    answers: list[float] = []

    async def probe() -> None:
        loop = asyncio.get_running_loop()
        while not log.done.is_set():
            before = loop.time()
            await asyncio.sleep(0.01)
            lags.append(loop.time() - before - 0.01)
            if lags[-1] > 0.2:
                slow.append((time.perf_counter() - confirmed, lags[-1]))

    async def ask() -> None:
        while not log.done.is_set():
            t = time.perf_counter()
            await core.handle(inbound("2", text="tiến độ"))
            answers.append(time.perf_counter() - t)
            await asyncio.sleep(0.05)

    confirmed = time.perf_counter()
    await confirmations.confirm(core.ctx, binh, p.token, "bench:confirm")
    probes = [asyncio.create_task(probe()), asyncio.create_task(ask())]
    await log.done.wait()
    finished = time.perf_counter()
    await asyncio.gather(*probes)
    await core.drain_background()
    import_apply.step_hook = None
    print(log.sent[-1][1])
    print(f"confirmation → summary: {finished - confirmed:.1f} s")
    print({k: round(v - confirmed, 1) for k, v in phases.items()})
    if "write" in phases and "plan" in phases:
        print(f"  read again + check + plan (no lock): {phases['write'] - confirmed:.1f} s")
        print(f"  write transaction (lock held):       ~{finished - phases['write']:.1f} s")
    print(f"progress messages: {sum(1 for _, t in log.sent if t.startswith('Đang ghi'))}")
    print(f"loop lag, 10 ms probe: p50 {statistics.median(lags) * 1000:.1f} ms, max {max(lags) * 1000:.0f} ms")
    p50, top = statistics.median(answers) * 1000, max(answers) * 1000
    print(f"'tiến độ' by another official meanwhile: {len(answers)} answers, p50 {p50:.0f} ms, max {top:.0f} ms")
    print("lags over 200 ms (s after confirming, lag):", [(round(a, 1), round(b, 2)) for a, b in slow])
    print(f"peak RSS of the bot process: {rss_mb():.0f} MB")
    await db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
