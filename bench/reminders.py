"""Reminder planning time on the province database, and the sustained delivery rate of a fan-out through the
real PTB bot (with its AIORateLimiter) against a fake Bot API that answers 429 above Telegram's limits."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr

from bench.province import VN, ensure
from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.services.core import Core
from bot.services.reminders import ReminderService
from handlers.telegram import TelegramNotifier, build_application, running
from storage import users
from storage.db import Database
from storage.migrations import migrate
from tests.fakes.botapi_server import FakeBotApi

TOKEN = "123456789:BENCH-token-for-the-fake-bot-api-000"


async def planning(path: Path, runs: int = 5) -> tuple[float, int]:
    db = await Database.open(path)
    try:
        await migrate(db)
        clock = ManualClock(datetime(2026, 12, 15, 8, 30, tzinfo=VN))
        core = Core(db, Settings(_env_file=None, database_path=path), clock)
        service = ReminderService(core.ctx, {})
        await service.plan()  # warm the tree
        best, due = float("inf"), 0
        for _ in range(runs):
            started = time.perf_counter()
            _, the_plan = await service.plan()
            best = min(best, time.perf_counter() - started)
            due = len(the_plan.due)
        return best * 1000, due
    finally:
        await db.close()


async def delivery(path: Path, recipients: int = 300) -> tuple[int, float, int, int]:
    """Send one reminder to each of `recipients` reporters; (sent, messages/second, 429 answers, lost)."""
    server = FakeBotApi(enforce_limits=True)
    await server.start()
    db = await Database.open(path)
    try:
        clock = ManualClock(datetime(2026, 12, 15, 8, 30, tzinfo=VN))
        settings = Settings(
            _env_file=None,
            database_path=path,
            telegram_bot_token=SecretStr(TOKEN),
            telegram_api_base_url=server.base_url,
        )
        core = Core(db, settings, clock)
        rows = await db.fetchall("SELECT id FROM users WHERE role = 'reporter' ORDER BY id LIMIT ?", (recipients,))
        async with db.transaction():
            await db.execute("DELETE FROM reminder_log")
            for (user_id,) in rows:
                await users.link_identity(
                    db,
                    channel="telegram",
                    external_id=str(10_000_000 + user_id),
                    user_id=user_id,
                    chat_id=str(10_000_000 + user_id),
                    now=clock.now(),
                )
        app = build_application(settings, core)  # with AIORateLimiter: 30 messages/second overall
        async with running(app):
            service = ReminderService(core.ctx, {"telegram": TelegramNotifier(app.bot)}, concurrency=32)
            started = time.perf_counter()
            root = (await core.ctx.tree()).roots[0]
            outcome = await service.send_now(root, clock.now())
            seconds = time.perf_counter() - started
        sent = sum(1 for m in server.sent if "Hạn báo cáo" in m.text)
        planned = outcome.sent + outcome.failed + outcome.blocked
        times = server.send_times
        sustained = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
        del seconds
        return sent, sustained, server.rate_limited, planned - sent
    finally:
        await db.close()
        await server.stop()


async def main(path: Path = Path("data/bench-province.sqlite3"), rebuild: bool = False) -> None:
    if rebuild or not path.exists():
        await ensure(path)
    plan_ms, due = await planning(path)
    print(f"Lập kế hoạch nhắc nhở cho tỉnh mẫu: {plan_ms:.0f} ms ({due:,} tin đến hạn)")
    sent, rate, limited, lost = await delivery(path)
    print(
        f"Gửi {sent} tin nhắc: {rate:.1f} tin/giây = {rate / 30:.0%} giới hạn 30 tin/giây; "
        f"429 nhận được: {limited}; mất: {lost}"
    )


if __name__ == "__main__":
    asyncio.run(main())
