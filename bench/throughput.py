"""Updates per second through the real Application (inbox pump, handlers, SQLite) against a local fake Bot API
over HTTP, for a realistic mix on the province database — and the same harness with a minimal PTB echo bot.
No rate limiter in either (it would cap both at Telegram's ~30 messages/second)."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bench.province import VN
from bot.clock import ManualClock
from bot.config import Settings
from bot.services.core import Core
from handlers.inbox_pump import UpdatePump
from handlers.telegram import build_application, running
from storage import users
from storage.db import Database
from storage.migrations import migrate
from tests.conftest import callback_update, message_update
from tests.fakes.botapi_server import FakeBotApi

TOKEN = "123456789:BENCH-token-for-the-fake-bot-api-000"
REPORTERS = 150
OFFICIALS = 10
QUESTIONS = ("tiến độ", "tiến độ quý III", "cơ cấu đảng viên mới năm nay", "đơn vị chậm tiến độ", "tiến độ huyện Mẫu 3")


async def _link(db: Database, now: datetime) -> tuple[list[int], list[int]]:
    reporters = [
        r[0]
        for r in await db.fetchall("SELECT id FROM users WHERE role = 'reporter' ORDER BY id LIMIT ?", (REPORTERS,))
    ]
    officials = [
        r[0]
        for r in await db.fetchall("SELECT id FROM users WHERE role = 'official' ORDER BY id LIMIT ?", (OFFICIALS,))
    ]
    async with db.transaction():  # a fresh start: earlier runs used the same update ids and chats
        await db.execute("DELETE FROM identities WHERE channel = 'telegram'")
        await db.execute("DELETE FROM inbox WHERE channel = 'telegram'")
        await db.execute("UPDATE pending SET status = 'expired' WHERE status = 'open'")
        for user_id in (*reporters, *officials):
            await users.link_identity(
                db,
                channel="telegram",
                external_id=str(50_000_000 + user_id),
                user_id=user_id,
                chat_id=str(50_000_000 + user_id),
                now=now,
            )
    return [50_000_000 + r for r in reporters], [50_000_000 + o for o in officials]


def _messages(reporters: list[int], officials: list[int]) -> list[dict]:
    updates, n = [], 3_000_000
    for i, who in enumerate(reporters):
        updates.append(message_update(who, "kết nạp 1 đảng viên, trong đó 1 nữ", update_id=n + i))
    for i, who in enumerate(officials * 15):
        updates.append(message_update(who, QUESTIONS[i % len(QUESTIONS)], update_id=n + 10_000 + i))
    return updates


async def _wait(server: FakeBotApi, count: int, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while len(server.sent) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(server.sent)} of {count} answers")
        await asyncio.sleep(0.01)


async def ours(path: Path) -> tuple[int, float, float]:
    server = FakeBotApi()
    await server.start()
    db = await Database.open(path)
    await migrate(db)
    clock = ManualClock(datetime(2026, 11, 23, 10, 0, tzinfo=VN))
    try:
        reporters, officials = await _link(db, clock.now())
        settings = Settings(
            _env_file=None,
            database_path=path,
            telegram_bot_token=SecretStr(TOKEN),
            telegram_api_base_url=server.base_url,
        )
        core = Core(db, settings, clock)
        app = build_application(settings, core, rate_limit=False)
        async with running(app):
            pump = UpdatePump(app, db, "telegram", clock)
            stop = asyncio.Event()
            poller = asyncio.create_task(pump.poll_forever(stop, timeout=1))
            updates = _messages(reporters, officials)
            cpu, started = time.process_time(), time.perf_counter()
            for update in updates:
                server.push(update)
            await _wait(server, len(updates))
            previews = [m for m in server.sent if "Xin xác nhận" in m.text]
            confirmations = [
                callback_update(
                    int(m.chat_id),
                    next(d for d in m.button_data if d.startswith("c|")),
                    m.message_id,
                    update_id=3_100_000 + i,
                )
                for i, m in enumerate(previews)
            ]
            for update in confirmations:
                server.push(update)
            total = len(updates) + len(confirmations)
            await _wait(server, total)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            stop.set()
            await poller
        return total, total / elapsed, cpu * 1000 / total
    finally:
        await db.close()
        await server.stop()


async def echo(path: Path) -> tuple[int, float, float]:
    """The same updates through a minimal PTB bot that answers every update with one message."""
    server = FakeBotApi()
    await server.start()
    db = await Database.open(path)
    try:
        reporters, officials = await _link(db, datetime(2026, 11, 23, 10, 0, tzinfo=VN))
    finally:
        await db.close()

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query:
            await update.callback_query.answer()
            await context.bot.send_message(update.callback_query.from_user.id, "ok")
        elif update.message:
            await update.message.reply_text(update.message.text or "?")

    app = Application.builder().token(TOKEN).base_url(server.base_url).build()
    app.add_handler(TypeHandler(Update, answer))
    async with app:
        await app.start()
        assert app.updater is not None  # built with the default updater
        await app.updater.start_polling(timeout=1, poll_interval=0)
        updates = _messages(reporters, officials)
        updates += [callback_update(r, "c|x", 1, update_id=3_100_000 + i) for i, r in enumerate(reporters)]
        cpu, started = time.process_time(), time.perf_counter()
        for update in updates:
            server.push(update)
        await _wait(server, len(updates))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        await app.updater.stop()
        await app.stop()
    await server.stop()
    return len(updates), len(updates) / elapsed, cpu * 1000 / len(updates)


async def main(path: Path = Path("data/bench-province.sqlite3")) -> tuple[float, float, float]:
    n, rate, cpu = await ours(path)
    _, erate, ecpu = await echo(path)
    print(
        f"Thông lượng: {rate:.0f} cập nhật/giây ({n} cập nhật: báo cáo + xác nhận + câu hỏi), "
        f"{cpu:.1f} ms CPU/cập nhật; bot echo: {erate:.0f}/giây, {ecpu:.1f} ms CPU; "
        f"tỷ lệ ours/echo = {rate / erate:.2f}"
    )
    return rate, erate, cpu


if __name__ == "__main__":
    asyncio.run(main())
