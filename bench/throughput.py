"""Updates per second through the real Application (inbox pump, handlers, SQLite) against a fake Bot API over HTTP
that runs in its own process (so the CPU figure is the bot's alone) — and the same updates through a minimal PTB
echo bot making the same calls. Two kinds of traffic:

- `mix`: the demo district, 150 reports from as many chats, their confirmations and 150 questions from officials;
- `root`: the 6,621-unit province, 300 province-root questions from 10 officials.

No rate limiter in either (it would cap both at Telegram's ~30 messages/second). Each of our runs starts from a
copy of the database, so rounds are alike; `main` interleaves ours and echo and reports medians.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import time
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bench.fake_api import RemoteFakeApi
from bench.province import VN
from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.runtime import demo
from bot.services.core import Core
from handlers.channel import long_poll
from handlers.telegram import TelegramPolling, build_application, inbox_pump, running
from storage import users
from storage.db import Database
from storage.migrations import migrate
from tests.conftest import callback_update, message_update

TOKEN = "123456789:BENCH-token-for-the-fake-bot-api-000"
REPORTERS = 150
OFFICIALS = 10
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=VN)
MIX_QUESTIONS = (
    "tiến độ",
    "tiến độ quý III",
    "cơ cấu đảng viên mới năm nay",
    "đơn vị chậm tiến độ",
    "đơn vị nào chưa báo cáo quý này?",
)
ROOT_QUESTIONS = (*MIX_QUESTIONS, "nguồn phát triển đảng", "xếp hạng các đơn vị")
DEMO = Path("data/bench-demo.sqlite3")


async def demo_database(path: Path = DEMO) -> Path:
    """The demo district (as `ptdv setup` loads it) with 150 reporters spread over its reporting units and 10
    officials at the root, for the mixed traffic."""
    if path.exists():
        return path
    db = await Database.open(path)
    try:
        await migrate(db)
        ids = await demo.load(db, NOW)
        async with db.transaction():
            parents = {u.parent for u in demo.UNITS}
            leaves = [ids[u.code] for u in demo.UNITS if u.code not in demo.SILENT_THIS_YEAR | parents]
            for i in range(REPORTERS):
                unit = leaves[i % len(leaves)]
                await users.add(db, name=f"Người báo cáo {i}", role="reporter", unit_id=unit, now=NOW)
            for i in range(OFFICIALS):
                await users.add(db, name=f"Cán bộ {i}", role="official", unit_id=ids[demo.ROOT.code], now=NOW)
    finally:
        await db.close()
    return path


async def _link(db: Database, mode: str) -> tuple[list[int], list[int]]:
    """Telegram identities for the reporters and the officials (at the root for `root`)."""
    root = await db.scalar("SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1")
    async with db.transaction():  # a fresh start: earlier runs used the same update ids and chats
        await db.execute("DELETE FROM identities WHERE channel = 'telegram'")
        await db.execute("DELETE FROM inbox WHERE channel = 'telegram'")
        await db.execute("UPDATE pending SET status = 'expired' WHERE status = 'open'")
        officials = [
            r[0]
            for r in await db.fetchall(
                "SELECT id FROM users WHERE role = 'official' AND unit_id = ? ORDER BY id LIMIT ?", (root, OFFICIALS)
            )
        ]
        for i in range(len(officials), OFFICIALS):
            officials.append(await users.add(db, name=f"Cán bộ tỉnh {i}", role="official", unit_id=root, now=NOW))
        reporters = []
        if mode == "mix":
            reporters = [
                r[0]
                for r in await db.fetchall(
                    "SELECT id FROM users WHERE role = 'reporter' AND active = 1"
                    " AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = users.unit_id) ORDER BY id LIMIT ?",
                    (REPORTERS,),
                )
            ]
        for user_id in (*reporters, *officials):
            await users.link_identity(
                db,
                channel="telegram",
                external_id=str(50_000_000 + user_id),
                user_id=user_id,
                chat_id=str(50_000_000 + user_id),
                now=NOW,
            )
    return [50_000_000 + r for r in reporters], [50_000_000 + o for o in officials]


def _messages(mode: str, reporters: list[int], officials: list[int]) -> list[dict]:
    updates, n = [], 3_000_000
    for i, who in enumerate(reporters):
        updates.append(message_update(who, "kết nạp 1 đảng viên, trong đó 1 nữ", update_id=n + i))
    questions = MIX_QUESTIONS if mode == "mix" else ROOT_QUESTIONS
    for i, who in enumerate(officials * (15 if mode == "mix" else 30)):
        updates.append(message_update(who, questions[i % len(questions)], update_id=n + 10_000 + i))
    return updates


def _copy(source: Path) -> Path:
    run = source.with_name(source.stem + "-run.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{run}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, run)
    return run


async def ours(source: Path, mode: str, rate_limit: bool = False) -> tuple[int, float, float]:
    path = _copy(source)
    server = RemoteFakeApi()
    await server.start()
    db = await Database.open(path)
    await migrate(db)
    clock = ManualClock(NOW)
    try:
        reporters, officials = await _link(db, mode)
        settings = Settings(
            _env_file=None,
            database_path=path,
            telegram_bot_token=SecretStr(TOKEN),
            telegram_api_base_url=server.base_url,
        )
        core = Core(db, settings, clock)
        app = build_application(settings, core, rate_limit=rate_limit)
        async with running(app):
            pump = inbox_pump(app, core, "telegram")
            stop = asyncio.Event()
            poller = asyncio.create_task(long_poll(TelegramPolling(app.bot, timeout=1), pump, stop))
            await core.ctx.unit_index()  # the process is up (its start is measured elsewhere)
            updates = _messages(mode, reporters, officials)
            cpu, started = time.process_time(), time.perf_counter()
            await server.push(updates)
            await server.wait(len(updates))
            previews = [m for m in await server.sent() if "Xin xác nhận" in m["text"]]
            confirmations = [
                callback_update(
                    int(m["chat_id"]),
                    next(d for d in m["button_data"] if d.startswith("c|")),
                    m["message_id"],
                    update_id=3_100_000 + i,
                )
                for i, m in enumerate(previews)
            ]
            if len(confirmations) != len(reporters):
                raise RuntimeError(f"{len(confirmations)} previews for {len(reporters)} reports")
            await server.push(confirmations)
            total = len(updates) + len(confirmations)
            await server.wait(total)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            stop.set()
            await poller
        return total, total / elapsed, cpu * 1000 / total
    finally:
        await db.close()
        await server.stop()


async def echo(source: Path, mode: str) -> tuple[int, float, float]:
    """The same updates through a minimal PTB bot that answers every update with one message (and a callback
    with its answer, as ours does)."""
    path = _copy(source)
    server = RemoteFakeApi()
    await server.start()
    db = await Database.open(path)
    try:
        reporters, officials = await _link(db, mode)
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
        updates = _messages(mode, reporters, officials)
        confirmations = [callback_update(r, "c|x", 1, update_id=3_100_000 + i) for i, r in enumerate(reporters)]
        cpu, started = time.process_time(), time.perf_counter()
        await server.push(updates)
        await server.wait(len(updates))
        await server.push(confirmations)  # after the answers, as ours gets them
        total = len(updates) + len(confirmations)
        await server.wait(total)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        await app.updater.stop()
        await app.stop()
    await server.stop()
    return total, total / elapsed, cpu * 1000 / total


async def shipped(source: Path) -> float:
    """Answers per second of the mixed traffic through the application as `ptdv run` builds it (its rate limiter
    included)."""
    _, rate, _ = await ours(source, "mix", rate_limit=True)
    return rate


class Result:
    def __init__(self, mode: str, rates: list[tuple[float, float]], cpus: list[tuple[float, float]]) -> None:
        self.mode = mode
        self.ours = statistics.median(r[0] for r in rates)
        self.echo = statistics.median(r[1] for r in rates)
        self.ratio = statistics.median(r[0] / r[1] for r in rates)  # paired within a round
        self.cpu = statistics.median(c[0] for c in cpus)
        self.echo_cpu = statistics.median(c[1] for c in cpus)


async def main(province: Path = Path("data/bench-province.sqlite3"), rounds: int = 3) -> list[Result]:
    """Interleaved rounds (ours, echo) for each kind of traffic; medians, the ratio paired within a round."""
    sources = {"mix": await demo_database(), "root": province}
    results = []
    for mode, source in sources.items():
        rates, cpus = [], []
        for _ in range(rounds):
            n, rate, cpu = await ours(source, mode)
            _, erate, ecpu = await echo(source, mode)
            rates.append((rate, erate))
            cpus.append((cpu, ecpu))
        result = Result(mode, rates, cpus)
        print(
            f"Thông lượng ({mode}, {n} cập nhật, {rounds} vòng xen kẽ, trung vị): {result.ours:.0f}/giây, "
            f"{result.cpu:.1f} ms CPU/cập nhật; bot echo: {result.echo:.0f}/giây, {result.echo_cpu:.1f} ms CPU; "
            f"tỷ lệ ours/echo = {result.ratio:.2f}"
        )
        results.append(result)
    return results


if __name__ == "__main__":
    import sys

    asyncio.run(main(rounds=int(sys.argv[1]) if len(sys.argv) > 1 else 3))
