"""Fault injection on the real `python -m bot run` process against the fake Bot API: 5xx, 409 and 403 on getUpdates,
a full disk, an unwritable database, a file that is not a database, and SIGTERM. Every fault either recovers (with a
log line) or ends the process non-zero with one clear line; SIGTERM always ends it within seconds; nothing is lost."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from storage.db import Database
from tests.conftest import message_update
from tests.fakes.botapi_server import FakeBotApi, Fault
from tests.harness import TOKEN
from tests.test_crash import prepare

# Process-level: real `ptdv run` processes killed, faulted or run two at a time (README, Development).
pytestmark = pytest.mark.process

# How long a process that must give up may take to do so: a guard against a hang, not a speed target (the
# suite runs in parallel workers on a loaded 2-core machine, where starting Python alone can take seconds).
EXIT_WITHIN = 40

STOP_WITHIN = 5.0  # seconds from SIGTERM to exit


class Bot:
    """One bot process; stderr collected as it comes (a pipe, so no file-size limit applies to it)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for line in self.proc.stderr:
            self.lines.append(line.decode(errors="replace").rstrip())

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    async def exited(self, seconds: float) -> int:
        code = await asyncio.wait_for(self.proc.wait(), timeout=seconds)
        await asyncio.wait_for(self.reader, timeout=5)
        return code

    async def terminate(self) -> float:
        """SIGTERM; how long the process took to exit."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        self.proc.send_signal(signal.SIGTERM)
        assert await self.exited(STOP_WITHIN) == 0, self.log
        return loop.time() - start


@asynccontextmanager
async def bot_process(
    path: Path, server: FakeBotApi, *, file_limit: int | None = None, **env: str
) -> AsyncIterator[Bot]:
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": server.base_url,
        "DATABASE_PATH": str(path),
        "LOG_LEVEL": "WARNING",
        "BACKUP_DIR": str(path.parent / "b"),
        "TELEGRAM_CONFLICT_GIVE_UP_SECONDS": "2",
        **env,
    }

    def limit_files() -> None:  # a full disk: no file may grow beyond `file_limit` bytes (writes fail with EFBIG)
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=environment,
        cwd=path.parent,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=limit_files,
    )
    bot = Bot(proc)
    try:
        yield bot
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        bot.reader.cancel()


async def until(test: Callable[[], object], seconds: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not test():
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


def answered(server: FakeBotApi, chat_id: int) -> int:
    return sum(1 for m in server.sent if m.chat_id == str(chat_id))


async def started(server: FakeBotApi) -> FakeBotApi:
    await server.start()
    return server


async def test_get_updates_5xx_and_409_recover_then_sigterm_stops(tmp_path, evidence):
    path = tmp_path / "bot.sqlite3"
    ids = await prepare(path)
    who = ids["minh"]
    server = await started(FakeBotApi())
    try:
        server.faults.extend(
            [Fault("getUpdates", 502, "Bad Gateway"), Fault("getUpdates", 409, "Conflict: terminated")]
        )
        async with bot_process(path, server) as bot:
            server.push(message_update(who, "tiến độ"))
            await until(lambda: answered(server, who) == 1)
            assert server.faults_served == 2
            assert "getUpdates failed" in bot.log and "409 Conflict" in bot.log and "works again" in bot.log
            server.push(message_update(who, "tiến độ"))
            await until(lambda: answered(server, who) == 2)
            took = await bot.terminate()  # while a long poll is in flight
    finally:
        await server.stop()
    evidence(f"faults: 502 and 409 on getUpdates logged and recovered from; SIGTERM stopped the bot in {took:.1f} s")


async def test_lasting_409_exits_non_zero_after_the_bounded_time(tmp_path):
    path = tmp_path / "bot.sqlite3"
    await prepare(path)
    server = await started(FakeBotApi())
    try:
        server.faults.append(Fault("getUpdates", 409, "Conflict: terminated by other getUpdates", sticky=True))
        async with bot_process(path, server) as bot:
            assert await bot.exited(EXIT_WITHIN + 5) == 1
    finally:
        await server.stop()
    assert "409 Conflict" in bot.log and "giây" in bot.lines[-1] and "Traceback" not in bot.log


async def test_403_on_get_updates_exits_non_zero(tmp_path):
    path = tmp_path / "bot.sqlite3"
    await prepare(path)
    server = await started(FakeBotApi())
    try:
        server.faults.append(Fault("getUpdates", 403, "Forbidden", sticky=True))
        async with bot_process(path, server) as bot:
            assert await bot.exited(EXIT_WITHIN) == 1
    finally:
        await server.stop()
    assert "TELEGRAM_BOT_TOKEN" in bot.lines[-1] and "Traceback" not in bot.log


async def test_sigterm_during_back_off_stops_at_once(tmp_path):
    path = tmp_path / "bot.sqlite3"
    await prepare(path)
    server = await started(FakeBotApi())
    try:
        server.faults.append(Fault("getUpdates", 500, "Internal Server Error", sticky=True))
        async with bot_process(path, server) as bot:
            await until(lambda: server.faults_served >= 2)
            assert await bot.terminate() < STOP_WITHIN
    finally:
        await server.stop()


async def test_full_disk_during_ingest_exits_non_zero_and_loses_nothing(tmp_path, evidence):
    path = tmp_path / "bot.sqlite3"
    ids = await prepare(path)
    who = ids["minh"]
    server = await started(FakeBotApi())
    pushed = []
    try:
        # No file may grow past 48 KB: the write-ahead log fills after a few messages, like a full disk.
        async with bot_process(path, server, file_limit=48 * 1024) as bot:
            for n in range(200):
                update = message_update(who, "tiến độ", update_id=5_000_000 + n)
                pushed.append(update["update_id"])
                server.push(update)
                if bot.proc.returncode is not None:
                    break
                await asyncio.sleep(0.1)
            assert await bot.exited(EXIT_WITHIN) == 1
        assert "Không ghi được vào cơ sở dữ liệu" in bot.lines[-1] and "Traceback" not in bot.log
        # Restarted with room on the disk: every update is answered (the unconfirmed ones fetched again, the stored
        # but unprocessed ones taken from the inbox).
        async with bot_process(path, server) as bot:
            await until(lambda: answered(server, who) >= len(pushed))
            await bot.terminate()
    finally:
        await server.stop()
    db = await Database.open(path)
    try:
        done = await db.scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NOT NULL AND update_id LIKE '5______'")
    finally:
        await db.close()
    assert done == len(pushed)
    evidence(f"full disk: the bot exited non-zero after {len(pushed)} updates; after restart all were answered")


async def test_unwritable_database_at_start_exits_with_one_line(tmp_path):
    path = tmp_path / "bot.sqlite3"
    await prepare(path)
    server = await started(FakeBotApi())
    try:
        if os.geteuid() != 0:  # permissions stop a normal user; root ignores them, so nothing may grow instead
            path.chmod(0o444)
            path.parent.chmod(0o555)
        try:
            async with bot_process(path, server, file_limit=0 if os.geteuid() == 0 else None) as bot:
                server.push(message_update(1, "tiến độ"))
                assert await bot.exited(EXIT_WITHIN) == 1
        finally:
            path.parent.chmod(0o755)
            path.chmod(0o644)
    finally:
        await server.stop()
    assert "Không ghi được vào cơ sở dữ liệu" in bot.lines[-1] and "Traceback" not in bot.log, bot.log


async def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "bot.sqlite3"
    path.write_text("đây không phải cơ sở dữ liệu\n" * 100)
    server = await started(FakeBotApi())
    try:
        async with bot_process(path, server) as bot:
            assert await bot.exited(EXIT_WITHIN) == 1
    finally:
        await server.stop()
    assert len(bot.lines) == 1 and "không phải cơ sở dữ liệu SQLite" in bot.lines[0], bot.log


async def test_damaged_pages_refused_at_start_with_the_latest_backup_named(tmp_path):
    path = tmp_path / "bot.sqlite3"
    await prepare(path)
    folder = tmp_path / "b"
    folder.mkdir()
    latest = folder / "ptdv-20261122-023000.sqlite3"
    for name in ("ptdv-20261121-023000.sqlite3", latest.name):
        (folder / name).write_bytes(path.read_bytes())
    with path.open("r+b") as f:  # damage pages in the middle of the file, keep its header
        f.seek(4096 * 4)
        f.write(b"\xff" * 4096 * 3)
    server = await started(FakeBotApi())
    try:
        async with bot_process(path, server) as bot:
            assert await bot.exited(EXIT_WITHIN) == 1
    finally:
        await server.stop()
    assert len(bot.lines) == 1, bot.log
    assert "bị hỏng" in bot.lines[0] or "không phải cơ sở dữ liệu" in bot.lines[0]
    assert f"ptdv restore {latest}" in bot.lines[0]
