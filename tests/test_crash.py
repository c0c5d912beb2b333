"""Crash test: the bot runs as a subprocess against the fake Bot API and is killed with SIGKILL at random
points, then restarted, under a stream of submissions and confirmations. Every submission the bot
acknowledged ("Đã lưu") is in the database exactly once, and nothing unacknowledged is half-written."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
from pathlib import Path

import pytest

from bot.runtime import demo
from storage import users
from storage.db import Database
from storage.migrations import migrate
from tests.conftest import TODAY, callback_update, message_update
from tests.fakes.botapi_server import FakeBotApi
from tests.harness import TOKEN

# Process-level: real `ptdv run` processes killed, faulted or run two at a time (README, Development).
pytestmark = pytest.mark.process

REPORTERS = ("minh", "thu", "lan", "khanh", "hoa", "son", "tuan")


async def prepare(path: Path) -> dict[str, int]:
    db = await Database.open(path)
    try:
        await migrate(db)
        await demo.load(db, TODAY, reorganise=False)  # the district: the disk fills while ingesting, not at startup
        ids = {}
        async with db.transaction():
            for login in REPORTERS:
                user = await users.by_login(db, login)
                ids[login] = 20_000 + user.id
                await users.link_identity(
                    db,
                    channel="telegram",
                    external_id=str(ids[login]),
                    user_id=user.id,
                    chat_id=str(ids[login]),
                    now=TODAY,
                )
        return ids
    finally:
        await db.close()


async def start_bot(path: Path, server: FakeBotApi) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_PATH": str(path),
        "LOG_LEVEL": "ERROR",
        "BACKUP_DIR": str(path.parent / "b"),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=path.parent,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def crash_run(tmp_path: Path, kills: int, submissions: int, seed: int = 1) -> dict[str, int]:
    rng = random.Random(seed)
    path = tmp_path / "crash.sqlite3"
    ids = await prepare(path)
    server = FakeBotApi()
    await server.start()
    proc = await start_bot(path, server)
    killed = 0

    async def killer() -> None:
        nonlocal proc, killed
        while killed < kills:
            await asyncio.sleep(rng.uniform(0.8, 2.5))
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            killed += 1
            proc = await start_bot(path, server)

    chaos = asyncio.create_task(killer())
    try:
        for i in range(submissions):
            who = ids[REPORTERS[i % len(REPORTERS)]]
            update = message_update(who, f"quý III kết nạp {1 + i % 3}", update_id=1_000_000 + 2 * i)
            server.push(update)
            preview = await wait_for(
                server,
                lambda m, w=who: m.chat_id == str(w) and m.buttons and "Xin xác nhận" in m.text,
                after=len(server.sent),
                seconds=60,
            )
            data = next(d for d in preview.button_data if d.startswith("c|"))
            server.push(callback_update(who, data, preview.message_id, update_id=1_000_000 + 2 * i + 1))
        await chaos
        await wait_done(path, 2 * submissions, seconds=90)
    finally:
        chaos.cancel()
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), timeout=30)
        await server.stop()
    acknowledged = {int(m) for s in server.sent for m in re.findall(r"Đã lưu \(mã báo cáo #(\d+)\)", s.text)}
    db = await Database.open(path)
    try:
        rows = await db.fetchall("SELECT id, source_update FROM submissions WHERE channel = 'telegram'")
        confirmed = await db.fetchall("SELECT result_id FROM pending WHERE status = 'confirmed'")
        inbox_left = await db.scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL")
    finally:
        await db.close()
    stored = {r["id"] for r in rows}
    sources = [r["source_update"] for r in rows]
    assert acknowledged <= stored, acknowledged - stored  # everything acknowledged is stored
    assert len(sources) == len(set(sources))  # nothing stored twice
    assert stored == {r[0] for r in confirmed}  # nothing half-written: every event has its confirmed preview
    assert len(stored) == submissions and inbox_left == 0
    return {"kills": killed, "submissions": submissions, "acknowledged": len(acknowledged), "stored": len(stored)}


async def wait_for(server: FakeBotApi, test, after: int, seconds: float):
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        for message in server.sent[after:]:
            if test(message):
                return message
        await asyncio.sleep(0.05)
    raise TimeoutError("the bot did not answer")


async def wait_done(path: Path, updates: int, seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        db = await Database.open(path)
        try:
            done = await db.scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NOT NULL AND update_id LIKE '1%'")
        finally:
            await db.close()
        if done >= updates:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("updates were not all processed")


async def test_crash_and_restart(tmp_path, evidence):
    stats = await crash_run(tmp_path, kills=4, submissions=12)
    evidence(
        f"crash: {stats['kills']} SIGKILLs during {stats['submissions']} confirmed submissions; "
        f"{stats['acknowledged']} acknowledged, {stats['stored']} stored, none twice"
    )


@pytest.mark.soak
async def test_crash_soak(tmp_path, evidence):
    stats = await crash_run(tmp_path, kills=40, submissions=120, seed=7)
    evidence(
        f"crash soak: {stats['kills']} SIGKILLs during {stats['submissions']} confirmed submissions; "
        f"{stats['acknowledged']} acknowledged, {stats['stored']} stored, none twice"
    )
