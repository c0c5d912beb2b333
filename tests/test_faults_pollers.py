"""The same audit as tests/test_faults_process.py for the Zalo poller and the webhook paths, in process: a refused
token or a database that refuses writes ends the loop with `PollerFatal` (never a silent wedge); a busy database
is waited for; `stop` always ends the loops promptly."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from handlers import webhook, zalo
from handlers.inbox_pump import InboxPump, PollerFatal
from storage.db import Database
from tests.channels import ZaloHarness
from tests.conftest import message_update
from tests.harness import free_port


async def make_read_only(db: Database) -> None:
    """From now on every write on this connection fails with "attempt to write a readonly database" (a read-only
    file; the full disk is tried on the real process in tests/test_faults_process.py)."""
    await db.execute("PRAGMA query_only = ON")


async def test_zalo_refused_token_on_get_updates_ends_the_poller(settings, demo_db, clock):
    async with ZaloHarness(settings, demo_db, clock) as zb:
        zb.server.fail("getUpdates", 401, count=1000)
        with pytest.raises(PollerFatal, match="ZALO_BOT_TOKEN"):
            await asyncio.wait_for(zb.poller, timeout=10)  # type: ignore[arg-type]
        zb.poller = None


async def test_zalo_server_errors_back_off_and_recover(settings, demo_db, clock):
    async with ZaloHarness(settings, demo_db, clock) as zb:
        await zb.link("binh", "z1")
        zb.server.fail("getUpdates", 502, count=1)
        answer = await zb.send(zb.update("z1", "tiến độ"), timeout=15)
        assert answer and not zb.poller.done()


async def test_zalo_read_only_database_ends_the_poller(settings, demo_db, clock):
    async with ZaloHarness(settings, demo_db, clock) as zb:
        await make_read_only(demo_db)
        zb.server.push(zb.update("z1", "tiến độ"))
        with pytest.raises(PollerFatal, match="Không ghi được"):
            await asyncio.wait_for(zb.poller, timeout=10)  # type: ignore[arg-type]
        zb.poller = None


async def test_zalo_stop_ends_a_long_poll_at_once(settings, demo_db, clock):
    zb = ZaloHarness(settings, demo_db, clock)
    await zb.__aenter__()
    for _ in range(200):  # until the poller waits in a long poll
        if zb.server.long_polls:
            break
        await asyncio.sleep(0.01)
    assert zb.server.long_polls
    start = asyncio.get_running_loop().time()
    await zb.__aexit__()
    assert asyncio.get_running_loop().time() - start < 2


async def test_webhook_with_a_read_only_database_answers_503_and_ends_the_process(demo_db, clock):
    handled: list[str] = []

    async def process(key: str, payload: dict) -> None:
        handled.append(key)

    pump = InboxPump(demo_db, "telegram", clock, process, key=lambda p: str(p["update_id"]))
    app = webhook.web_app()
    app.router.add_routes([webhook.route(webhook.telegram_hook("secret", "/hook"), pump)])
    port = free_port()
    runner = await webhook.serve(app, "127.0.0.1", port)
    stop = asyncio.Event()
    loop = asyncio.create_task(pump.process_until(stop))
    try:
        async with aiohttp.ClientSession() as http:

            async def post(update: dict) -> int:
                headers = {webhook.SECRET_HEADER: "secret"}
                async with http.post(f"http://127.0.0.1:{port}/hook", json=update, headers=headers) as response:
                    return response.status

            assert await post(message_update(1, "một")) == 200
            for _ in range(100):
                if handled:
                    break
                await asyncio.sleep(0.02)
            await make_read_only(demo_db)
            assert await post(message_update(1, "hai")) == 503  # not stored: Telegram sends it again
        with pytest.raises(PollerFatal, match="webhook"):
            await asyncio.wait_for(loop, timeout=5)
    finally:
        stop.set()
        await asyncio.gather(loop, return_exceptions=True)
        await runner.cleanup()
    assert len(handled) == 1


async def test_webhook_processing_ends_on_stop(demo_db, clock):
    async def process(key: str, payload: dict) -> None:
        return None

    pump = InboxPump(demo_db, "zalo", clock, process, key=zalo.update_key)
    stop = asyncio.Event()
    loop = asyncio.create_task(pump.process_until(stop))
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, timeout=2)
